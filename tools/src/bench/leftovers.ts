import { deleteTopology, eventually, processesWithArgument, processIsAlive as isAlive } from '@orders/test-support';
import { benchTopology } from './bench-broker.js';
import { benchRunsWithDatabases, dropBenchDatabases } from './bench-databases.js';

/** The argument every process a run starts carries; its pid says which run owns it. */
export const runMarker = (runId: string): string => `--bench-run=${runId}`;

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone meanwhile.
  }
}

/**
 * Cleans what an earlier run left behind when it was killed before it could
 * clean up (SIGKILL, a machine crash): its service processes, its queues and
 * exchanges, its databases. Only runs whose own process is gone are touched,
 * so a bench running in another terminal keeps everything it has.
 */
export async function removeLeftoversOfDeadRuns(
  adminUrl: string,
  rabbitUrl: string,
  signal: AbortSignal,
  say: (text: string) => void,
): Promise<void> {
  const orphans = processesWithArgument(runMarker('')).filter(({ value }) => /^\d+$/.test(value) && !isAlive(Number(value)));
  if (orphans.length > 0) {
    say(`stopping ${orphans.length} process(es) left by earlier bench runs: ${orphans.map((orphan) => orphan.pid).join(', ')}`);
    for (const orphan of orphans) kill(orphan.pid, 'SIGTERM');
    const alive = async () => orphans.filter((orphan) => isAlive(orphan.pid));
    const options = { timeoutMs: 20_000, what: 'leftover bench processes to stop', signal };
    await eventually(alive, (left) => left.length === 0, options).catch(async () => {
      for (const orphan of await alive()) kill(orphan.pid, 'SIGKILL');
    });
  }
  const deadRuns = (await benchRunsWithDatabases(adminUrl)).filter((runId) => !isAlive(Number(runId)));
  for (const runId of new Set([...deadRuns, ...orphans.map((orphan) => orphan.value)])) {
    say(`removing databases, queues and exchanges left by bench run ${runId}`);
    await deleteTopology(rabbitUrl, benchTopology(runId));
    await dropBenchDatabases(adminUrl, runId);
  }
}
