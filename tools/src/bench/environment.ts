import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Environment {
  date: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  rabbitmq: string;
  commit: string | undefined;
  /** Tracked files changed since the commit: the numbers are not the commit's alone. */
  uncommittedChanges: boolean | undefined;
  /** Service settings taken from the bench's own environment (OUTBOX_*, CONSUMER_*, …). */
  tuning: Record<string, string>;
}

/** Read-only git queries; --no-optional-locks keeps status from rewriting the index. */
async function gitState(root: string): Promise<{ commit: string | undefined; uncommittedChanges: boolean | undefined }> {
  try {
    const [head, status] = await Promise.all([
      run('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }),
      run('git', ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=no'], { cwd: root }),
    ]);
    return { commit: head.stdout.trim(), uncommittedChanges: status.stdout.trim() !== '' };
  } catch {
    return { commit: undefined, uncommittedChanges: undefined };
  }
}

export async function describeEnvironment(options: {
  root: string;
  postgres: string;
  rabbitmq: string;
  tuning: Record<string, string>;
}): Promise<Environment> {
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
