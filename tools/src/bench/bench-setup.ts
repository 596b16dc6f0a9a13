import { spawn, type ChildProcess } from 'node:child_process';
import { deleteTopology, eventually, processesWithArgument, processIsAlive } from '@orders/test-support';
import { benchTopology, openBenchBroker, type BenchBroker } from './bench-broker.js';
import { benchRunsWithDatabases, createBenchDatabases, dropBenchDatabases, type BenchDatabases } from './bench-databases.js';
import { pipelineTuning, type BenchSettings } from './bench-settings.js';
import { createBenchSystem, tuningFromEnvironment, type BenchSystem } from './bench-system.js';
import { describeEnvironment } from './environment.js';
import { createBacklogProbe } from './pipeline-probe.js';
import { createResourceMonitor } from './resource-monitor.js';

const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';
const RABBITMQ_URL = process.env.BENCH_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** The argument every process a run starts carries; its value, the run's pid, says which run owns it. */
const runMarker = (runId: string) => `--bench-run=${runId}`;

/** What a run holds, filled in as setup goes, so the cleanup removes exactly what was made. */
export interface Held {
  databases?: BenchDatabases;
  broker?: BenchBroker;
  system?: BenchSystem;
  reference?: ChildProcess;
}

/**
 * What an earlier run left when it was killed before it could clean up (its
 * service processes, queues, exchanges and databases). Only runs whose own
 * process is gone are touched: a bench in another terminal keeps its own.
 */
async function removeLeftoversOfDeadRuns(signal: AbortSignal, say: (text: string) => void): Promise<void> {
  const orphans = processesWithArgument(runMarker('')).filter(({ value }) => /^\d+$/.test(value) && !processIsAlive(Number(value)));
  const killAll = (how: NodeJS.Signals) => {
    for (const { pid } of orphans.filter((orphan) => processIsAlive(orphan.pid))) process.kill(pid, how);
  };
  killAll('SIGTERM');
  const alive = async () => orphans.filter((orphan) => processIsAlive(orphan.pid));
  await eventually(alive, (left) => left.length === 0, { timeoutMs: 20_000, signal }).catch(() => killAll('SIGKILL'));
  const deadRuns = (await benchRunsWithDatabases(POSTGRES_ADMIN_URL)).filter((runId) => !processIsAlive(Number(runId)));
  for (const runId of new Set([...deadRuns, ...orphans.map((orphan) => orphan.value)])) {
    say(`removing the processes, databases, queues and exchanges left by bench run ${runId}`);
    await deleteTopology(RABBITMQ_URL, benchTopology(runId));
    await dropBenchDatabases(POSTGRES_ADMIN_URL, runId);
  }
}

interface RunOptions {
  root: string;
  runId: string;
  settings: BenchSettings;
  say: (text: string) => void;
  profileDir: string | undefined;
  signal: AbortSignal;
  onCrash: (description: string, recentOutput: string) => void;
}

/** Databases, broker, the four services and a bare Node.js process (the memory and idle-CPU reference), all the run's own. */
export async function setUp({ root, runId, settings, say, profileDir, signal, onCrash }: RunOptions, held: Held) {
  await removeLeftoversOfDeadRuns(signal, say);
  say('creating and migrating the bench databases');
  const databases = (held.databases = await createBenchDatabases(root, POSTGRES_ADMIN_URL, runId));
  const topology = benchTopology(runId);
  const broker = (held.broker = await openBenchBroker(RABBITMQ_URL, topology));
  const internalApiKey = `bench-${runId}-${Math.random().toString(36).slice(2)}`;
  const urls = { orderDatabaseUrl: databases.orderUrl, customerDatabaseUrl: databases.customerUrl, rabbitUrl: RABBITMQ_URL };
  const system = (held.system = await createBenchSystem({
    ...urls,
    topology,
    internalApiKey,
    marker: runMarker(runId),
    profileDir,
    onCrash,
  }));
  const idleLoop = ['-e', 'setInterval(() => {}, 2 ** 30)', '--', runMarker(runId)];
  const reference = (held.reference = spawn(process.execPath, idleLoop, { stdio: 'ignore', detached: true }));
  const { rows: version } = await databases.order.query<{ server_version: string }>('show server_version');
  const versions = { postgres: version[0]?.server_version ?? 'unknown', rabbitmq: broker.version() };
  const environment = await describeEnvironment(root, versions, tuningFromEnvironment(process.env));
  const { rows } = await databases.customer.query<{ id: number }>('select id::int as id from customers order by id');
  /** The seeded customers' ids; orders and events are spread over them. */
  const customerIds = rows.map((row) => row.id);
  const bare = reference.pid === undefined ? [] : [{ label: 'bare_node', group: 'bare_node', pid: reference.pid, ready: true }];
  const monitor = createResourceMonitor(() => [...system.list().map((copy) => ({ ...copy, group: copy.role })), ...bare]);
  const resources = {
    root,
    settings,
    tuning: pipelineTuning(process.env),
    system,
    databases,
    broker,
    say,
    monitor,
    backlog: createBacklogProbe(databases, broker, customerIds),
    customerIds,
    /** Numbers one step leaves for a later one (overload and sustained compare themselves with intake). */
    shared: {} as { httpIntakeRate?: number; httpIntakeP99Ms?: number },
    /** The bare Node.js process a step may compare with. */
    referencePid: reference.pid,
  };
  return { resources, environment };
}
export type RunResources = Awaited<ReturnType<typeof setUp>>['resources'];

/** After a failed step: a clean slate for the next one, which starts what it needs. */
export async function recover(held: Held, say: (text: string) => void): Promise<void> {
  try {
    await held.system?.stopAll();
    await held.broker?.purge();
  } catch (error) {
    say(`  recovering after the failed step: ${(error as Error).message}`);
  }
}

/** Also after a failure or Ctrl-C: stops the services, removes the run's queues, exchanges and databases. */
export async function cleanUp(held: Held, runId: string, say: (text: string) => void): Promise<void> {
  say('cleaning up: stopping the services, removing the bench queues, exchanges and databases');
  const attempt = async (what: string, work: () => Promise<unknown>) =>
    work().catch((error: unknown) => say(`  could not ${what}: ${(error as Error).message}`));
  await attempt('stop the services', async () => held.system?.stopAll());
  held.reference?.kill('SIGTERM');
  await attempt('close the broker connection', async () => held.broker?.close());
  await attempt('delete the bench topology', () => deleteTopology(RABBITMQ_URL, benchTopology(runId)));
  await attempt('close the database pools', async () => held.databases?.close());
  await attempt('drop the bench databases', () => dropBenchDatabases(POSTGRES_ADMIN_URL, runId));
}
