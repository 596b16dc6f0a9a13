import { spawn, type ChildProcess } from 'node:child_process';
import { deleteTopology } from '@orders/test-support';
import { benchTopology, openBenchBroker, type BenchBroker } from './bench-broker.js';
import { createBenchDatabases, dropBenchDatabases, postgresVersion, type BenchDatabases } from './bench-databases.js';
import { pipelineTuning, type BenchSettings } from './bench-settings.js';
import { stepContext, type BenchStep } from './bench-step.js';
import { createBenchSystem, tuningFromEnvironment, type BenchSystem } from './bench-system.js';
import { describeEnvironment } from './environment.js';
import { judge } from './figures.js';
import { removeLeftoversOfDeadRuns, runMarker } from './leftovers.js';
import type { BenchReport, StepOutcome } from './markdown-report.js';
import { createBacklogProbe } from './pipeline-backlog.js';
import { secondsSince, type Progress } from './progress.js';
import { createResourceMonitor } from './resource-monitor.js';

const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';
const RABBITMQ_URL = process.env.BENCH_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** What a run holds, filled in as setup goes, so the cleanup removes exactly what was made. */
export interface Resources {
  databases?: BenchDatabases;
  broker?: BenchBroker;
  system?: BenchSystem;
  reference?: ChildProcess;
}

export const describeError = (error: unknown): string => (error instanceof Error ? error.message : String(error));

interface RunOptions {
  root: string;
  runId: string;
  settings: BenchSettings;
  profileDir: string | undefined;
  progress: Progress;
  signal: AbortSignal;
  onCrash: (description: string, recentOutput: string) => void;
}

/** Databases, broker, the four services and a bare Node.js process (the memory and idle-CPU reference), all the run's own. */
export async function setUp(run: RunOptions, held: Resources) {
  const { root, runId, progress } = run;
  const marker = runMarker(runId);
  await removeLeftoversOfDeadRuns(POSTGRES_ADMIN_URL, RABBITMQ_URL, run.signal, (text) => progress.say(text));
  progress.say('creating and migrating the bench databases');
  const databases = (held.databases = await createBenchDatabases(root, POSTGRES_ADMIN_URL, runId));
  const topology = benchTopology(runId);
  const broker = (held.broker = await openBenchBroker(RABBITMQ_URL, topology));
  const system = (held.system = await createBenchSystem({
    orderDatabaseUrl: databases.orderUrl,
    customerDatabaseUrl: databases.customerUrl,
    rabbitUrl: RABBITMQ_URL,
    topology,
    internalApiKey: `bench-${runId}-${Math.random().toString(36).slice(2)}`,
    marker,
    profileDir: run.profileDir,
    onCrash: run.onCrash,
  }));
  const idleLoop = ['-e', 'setInterval(() => {}, 2 ** 30)', '--', marker];
  const reference = (held.reference = spawn(process.execPath, idleLoop, { stdio: 'ignore', detached: true }));
  const environment = await describeEnvironment({
    root,
    postgres: await postgresVersion(databases.order),
    rabbitmq: broker.version(),
    tuning: tuningFromEnvironment(process.env),
  });
  const { rows } = await databases.customer.query<{ id: number }>('select id::int as id from customers order by id');
  const customerIds = rows.map((row) => row.id);
  const bare = reference.pid === undefined ? [] : [{ label: 'bare_node', group: 'bare_node', pid: reference.pid, ready: true }];
  const services = () => system.list().map(({ label, role, pid, ready }) => ({ label, group: role, pid, ready }));
  const monitor = createResourceMonitor(() => [...services(), ...bare]);
  const resources = {
    root,
    settings: run.settings,
    tuning: pipelineTuning(process.env),
    system,
    databases,
    broker,
    progress,
    monitor,
    backlog: createBacklogProbe(databases, broker, customerIds),
    /** The seeded customers' ids; orders and events are spread over them. */
    customerIds,
    /** Numbers one step leaves for a later one (the sustained step compares itself with intake). */
    shared: {} as { httpIntakeRate?: number; httpIntakeP99Ms?: number },
    /** The bare Node.js process a step may compare with. */
    referencePid: reference.pid,
  };
  return { resources, environment };
}
export type RunResources = Awaited<ReturnType<typeof setUp>>['resources'];

/** The run's own abort, the current step's (a crash or an unhandled rejection aborts just that step), and a clean slate after a failure. */
export interface StepControl {
  signal: AbortSignal;
  current: { step?: AbortController };
  recover(): Promise<void>;
}

/** Runs the steps in order; once the run is aborted, the rest are "not run". */
export async function runSteps(steps: readonly BenchStep[], resources: RunResources, control: StepControl): Promise<StepOutcome[]> {
  const outcomes: StepOutcome[] = [];
  // A function, not the property: TypeScript would take it as unchanged since the check above.
  const aborted = () => control.signal.aborted;
  for (const [index, step] of steps.entries()) {
    const { id, title } = step;
    if (aborted()) {
      outcomes.push({ id, title, state: 'not run', seconds: 0 });
      continue;
    }
    const context = stepContext(resources, AbortSignal.any([control.signal, (control.current.step = new AbortController()).signal]));
    resources.monitor.enterStep(id);
    resources.progress.begin(index + 1, steps.length, title);
    const began = performance.now();
    try {
      outcomes.push({ id, title, state: 'ran', seconds: secondsSince(began), result: await step.run(context) });
    } catch (error) {
      const message = describeError(context.signal.aborted ? context.signal.reason : error);
      outcomes.push({ id, title, state: 'error', seconds: secondsSince(began), error: message });
      resources.progress.end(`failed: ${message}`);
      if (!aborted()) await control.recover();
    }
  }
  resources.monitor.stop();
  return outcomes;
}

/** Every selected step's figures, judged; a step that did not run reports its figures as such. */
export function assembleReport(
  run: Omit<BenchReport, 'figures' | 'steps'>,
  steps: readonly BenchStep[],
  outcomes: readonly StepOutcome[],
): BenchReport {
  const outcomeOf = (step: BenchStep) =>
    outcomes.find((outcome) => outcome.id === step.id) ?? { id: step.id, title: step.title, state: 'not run' as const, seconds: 0 };
  const figures = steps.flatMap((step) => {
    const outcome = outcomeOf(step);
    return step.figures.map((spec) => judge(spec, outcome.result?.measured[spec.id], outcome.state));
  });
  const { problems, logLines, ...head } = run;
  return { ...head, figures, steps: steps.map(outcomeOf), problems, logLines };
}

/** After a failed step: a clean slate for the next one, which starts what it needs. */
export async function recover(held: Resources, progress: Progress): Promise<void> {
  try {
    await held.system?.stopAll();
    await held.broker?.purge();
  } catch (error) {
    progress.say(`  recovering after the failed step: ${describeError(error)}`);
  }
}

/** Also after a failure or Ctrl-C: stops the services, removes the run's queues, exchanges and databases. */
export async function cleanUp(held: Resources, runId: string, progress: Progress): Promise<void> {
  progress.say('cleaning up: stopping the services, removing the bench queues, exchanges and databases');
  const attempt = async (what: string, work: () => Promise<unknown>) => {
    await work().catch((error: unknown) => progress.say(`  could not ${what}: ${describeError(error)}`));
  };
  await attempt('stop the services', async () => held.system?.stopAll());
  held.reference?.kill('SIGTERM');
  await attempt('close the broker connection', async () => held.broker?.close());
  await attempt('delete the bench topology', () => deleteTopology(RABBITMQ_URL, benchTopology(runId)));
  await attempt('close the database pools', async () => held.databases?.close());
  await attempt('drop the bench databases', () => dropBenchDatabases(POSTGRES_ADMIN_URL, runId));
}
