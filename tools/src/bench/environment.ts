import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';

/** The commit, and whether tracked files differ from it (then the numbers are not the commit's alone); --no-optional-locks keeps the index as it is. */
async function gitState(root: string): Promise<{ commit?: string; uncommittedChanges?: boolean }> {
  const git = (...args: string[]) => promisify(execFile)('git', args, { cwd: root }).then(({ stdout }) => stdout.trim());
  try {
    const [commit, status] = await Promise.all([
      git('rev-parse', '--short', 'HEAD'),
      git('--no-optional-locks', 'status', '--porcelain', '-uno'),
    ]);
    return { commit, uncommittedChanges: status !== '' };
  } catch {
    return {};
  }
}

/** The machine and versions a report was measured on; `tuning`: the service settings taken from the bench's environment. */
export async function describeEnvironment(root: string, versions: { postgres: string; rabbitmq: string }, tuning: Record<string, string>) {
  const cpus = os.cpus();
  const machine = {
    date: new Date().toISOString(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: os.totalmem() / 1024 ** 3,
  };
  return {
    ...machine,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    ...versions,
    ...(await gitState(root)),
    tuning,
  };
}
export type Environment = Awaited<ReturnType<typeof describeEnvironment>>;
