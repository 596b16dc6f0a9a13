import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Read-only git queries; --no-optional-locks keeps status from rewriting the index. */
async function gitState(root: string): Promise<{ commit?: string; uncommittedChanges?: boolean }> {
  try {
    const [head, status] = await Promise.all([
      run('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }),
      run('git', ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=no'], { cwd: root }),
    ]);
    // Tracked files changed since the commit: the numbers are not the commit's alone.
    return { commit: head.stdout.trim(), uncommittedChanges: status.stdout.trim() !== '' };
  } catch {
    return { commit: undefined, uncommittedChanges: undefined };
  }
}

/** The machine and versions a report was measured on; `tuning` is the service settings taken from the bench's environment. */
export async function describeEnvironment(options: { root: string; postgres: string; rabbitmq: string; tuning: Record<string, string> }) {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: os.totalmem() / 1024 ** 3,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: options.postgres,
    rabbitmq: options.rabbitmq,
    ...(await gitState(options.root)),
    tuning: options.tuning,
  };
}

export type Environment = Awaited<ReturnType<typeof describeEnvironment>>;
