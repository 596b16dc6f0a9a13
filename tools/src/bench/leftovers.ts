import { readdirSync } from 'node:fs';
import { deleteTopology, eventually, processIsAlive as isAlive } from '@orders/test-support';
import { benchTopology } from './bench-broker.js';
import { benchRunsWithDatabases, dropBenchDatabases } from './bench-databases.js';
import { readCommandLine } from './proc-stats.js';

/** The argument every process a run starts carries; its pid says which run owns it. */
export function runMarker(runId: string): string {
  return `--bench-run=${runId}`;
}

function orphansOfDeadRuns(): Array<{ pid: number; runId: string }> {
  const found: Array<{ pid: number; runId: string }> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const marker = readCommandLine(Number(name))?.find((argument) => argument.startsWith('--bench-run='));
    const runId = marker?.slice('--bench-run='.length);
    if (runId === undefined || !/^\d+$/.test(runId) || isAlive(Number(runId))) continue;
    found.push({ pid: Number(name), runId });
  }
  return found;
}

/**
 * Cleans what an earlier run left behind when it was killed before it could
 * clean up (SIGKILL, a machine crash): its service processes, its queues and
 * exchanges, its databases. Only runs whose own process is gone are touched,
 * so a bench running in another terminal keeps everything it has.
 */
export async function removeLeftoversOfDeadRuns(options: {
  adminUrl: string;
  rabbitUrl: string;
  signal: AbortSignal;
  say: (text: string) => void;
}): Promise<void> {
  const orphans = orphansOfDeadRuns();
  for (const orphan of orphans) {
    try {
      process.kill(orphan.pid, 'SIGTERM');
    } catch {
      // Gone meanwhile.
    }
  }
  if (orphans.length > 0) {
    options.say(`stopping ${orphans.length} process(es) left by earlier bench runs: ${orphans.map((orphan) => orphan.pid).join(', ')}`);
    await eventually(
      async () => orphans.filter((orphan) => isAlive(orphan.pid)).length,
      (alive) => alive === 0,
      { timeoutMs: 20_000, what: 'leftover bench processes to stop', signal: options.signal },
    ).catch(() => {
      for (const orphan of orphans) if (isAlive(orphan.pid)) process.kill(orphan.pid, 'SIGKILL');
    });
  }
  const deadRuns = (await benchRunsWithDatabases(options.adminUrl)).filter((runId) => !isAlive(Number(runId)));
  for (const runId of new Set([...deadRuns, ...orphans.map((orphan) => orphan.runId)])) {
    options.say(`removing databases, queues and exchanges left by bench run ${runId}`);
    await deleteTopology(options.rabbitUrl, benchTopology(runId));
    await dropBenchDatabases(options.adminUrl, runId);
  }
}
