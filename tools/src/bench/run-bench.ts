import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deleteTopology } from '@orders/test-support';
import { benchTopology, openBenchBroker, type BenchBroker } from './bench-broker.js';
import { createBenchDatabases, dropBenchDatabases, postgresVersion, type BenchDatabases } from './bench-databases.js';
import { parseCommandLine, pipelineTuning, USAGE, UsageError, type CommandLine } from './bench-settings.js';
import type { BenchContext, BenchStep, SharedFigures } from './bench-step.js';
import { createBenchSystem, tuningFromEnvironment, type BenchSystem } from './bench-system.js';
import { consumerDrainStep } from './consumer-drain-step.js';
import { describeEnvironment, type Environment } from './environment.js';
import { judge } from './figures.js';
import { intakeStep } from './intake-step.js';
import { latencyStep } from './latency-step.js';
import { removeLeftoversOfDeadRuns, runMarker } from './leftovers.js';
import { memoryStep } from './memory-step.js';
import { outboxDrainStep } from './outbox-drain-step.js';
import { overloadStep } from './overload-step.js';
import { createBacklogProbe } from './pipeline-backlog.js';
import { createProgress, secondsSince, type Progress } from './progress.js';
import { fileStamp, formatTable, writeReports, type BenchReport, type StepOutcome } from './report-writer.js';
import { createResourceMonitor, type Watched } from './resource-monitor.js';
import { sustainedStep } from './sustained-step.js';
import { wakeupStep } from './wakeup-step.js';

// npm run bench [-- --quick] [-- --only=…]: starts what it needs on databases,
// queues and ports of its own, measures every figure next to its baseline,
// prints a table, writes the reports, and cleans up, also on failure or Ctrl-C.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';
const RABBITMQ_URL = process.env.BENCH_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** Intake first: the sustained step compares itself with its figure. Memory last: it reads the peaks of all the others. */
const STEPS: readonly BenchStep[] = [intakeStep, wakeupStep, overloadStep, outboxDrainStep, consumerDrainStep, latencyStep, sustainedStep, memoryStep];

interface Resources {
  databases?: BenchDatabases;
  broker?: BenchBroker;
  system?: BenchSystem;
  reference?: ChildProcess;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An idle Node.js process: the memory and idle-CPU reference. */
function startBareNode(marker: string): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 2 ** 30)', '--', marker], { stdio: 'ignore', detached: true });
}

/** After a failed step: a clean slate for the next one, which starts what it needs. */
async function recover(resources: Resources, progress: Progress): Promise<void> {
  try {
    await resources.system?.stopAll();
    await resources.broker?.purge();
  } catch (error) {
    progress.say(`  recovering after the failed step: ${describe(error)}`);
  }
}

async function cleanUp(resources: Resources, runId: string, progress: Progress): Promise<void> {
  progress.say('cleaning up: stopping the services, removing the bench queues, exchanges and databases');
  const attempt = async (what: string, work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      progress.say(`  could not ${what}: ${describe(error)}`);
    }
  };
  await attempt('stop the services', async () => resources.system?.stopAll());
  resources.reference?.kill('SIGTERM');
  await attempt('close the broker connection', async () => resources.broker?.close());
  await attempt('delete the bench topology', () => deleteTopology(RABBITMQ_URL, benchTopology(runId)));
  await attempt('close the database pools', async () => resources.databases?.close());
  await attempt('drop the bench databases', () => dropBenchDatabases(POSTGRES_ADMIN_URL, runId));
}

async function main(): Promise<number> {
  let commandLine: CommandLine;
  try {
    commandLine = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (commandLine.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { settings } = commandLine;
  const runId = String(process.pid);
  const marker = runMarker(runId);
  const progress = createProgress();
  const run = new AbortController();
  const startedAt = new Date();
  const profileDir = commandLine.profile ? path.join(ROOT, 'bench-results', `profiles-${fileStamp(startedAt.toISOString())}`) : undefined;
  const began = performance.now();
  const problems: string[] = [];
  const resources: Resources = {};
  const outcomes: StepOutcome[] = [];
  const selected = STEPS.filter((step) => commandLine.steps.includes(step.id));
  let stepController: AbortController | undefined;
  // Objects and functions, not plain variables: signal handlers change them while main() awaits.
  const state = { interrupted: false };
  const runAborted = () => run.signal.aborted;
  let environment: Environment | undefined;
  let setupError: string | undefined;

  const onSignal = (signal: NodeJS.Signals) => {
    if (state.interrupted) {
      progress.say('second signal: killing the services and exiting without cleaning up');
      resources.system?.killAll();
      resources.reference?.kill('SIGKILL');
      process.exit(130);
    }
    state.interrupted = true;
    progress.say(`${signal}: stopping the run and cleaning up (send it again to force)`);
    run.abort(new Error(`interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const watchdog = setTimeout(() => run.abort(new Error(`the run's time budget of ${settings.budgetMs / 1000} s ran out`)), settings.budgetMs);
  watchdog.unref();
  // A bug in a step must not leave services and databases behind: fail the step, keep the cleanup.
  process.on('unhandledRejection', (reason) => {
    problems.push(`unexpected error: ${describe(reason)}`);
    stepController?.abort(reason instanceof Error ? reason : new Error(String(reason)));
  });

  try {
    progress.say(`orders bench, ${settings.mode} run (id ${runId}): ${selected.map((step) => step.id).join(', ')}`);
    await removeLeftoversOfDeadRuns({ adminUrl: POSTGRES_ADMIN_URL, rabbitUrl: RABBITMQ_URL, signal: run.signal, say: (text) => progress.say(text) });
    progress.say('creating and migrating the bench databases');
    const databases = await createBenchDatabases({ root: ROOT, adminUrl: POSTGRES_ADMIN_URL, runId });
    resources.databases = databases;
    const broker = await openBenchBroker(RABBITMQ_URL, benchTopology(runId));
    resources.broker = broker;
    const system = await createBenchSystem({
      orderDatabaseUrl: databases.orderUrl,
      customerDatabaseUrl: databases.customerUrl,
      rabbitUrl: RABBITMQ_URL,
      topology: benchTopology(runId),
      internalApiKey: `bench-${runId}-${Math.random().toString(36).slice(2)}`,
      marker,
      profileDir,
      onCrash: (crash) => {
        problems.push(`${crash.description}; last output: ${crash.recentOutput.split('\n').join(' | ')}`);
        stepController?.abort(new Error(crash.description));
      },
    });
    resources.system = system;
    const reference = startBareNode(marker);
    resources.reference = reference;
    const tuning = tuningFromEnvironment(process.env);
    environment = await describeEnvironment({ root: ROOT, postgres: await postgresVersion(databases.order), rabbitmq: broker.version, tuning });
    const customers = await databases.customer.query<{ id: number }>('select id::int as id from customers order by id');
    const customerIds = customers.rows.map((row) => row.id);
    const monitor = createResourceMonitor(() => {
      const watched: Watched[] = system.list().map((entry) => ({ label: entry.label, group: entry.role, pid: entry.pid, ready: entry.ready }));
      if (reference.pid !== undefined) watched.push({ label: 'bare_node', group: 'bare_node', pid: reference.pid, ready: true });
      return watched;
    });
    monitor.start();
    const shared: SharedFigures = {};
    const base: Omit<BenchContext, 'signal'> = {
      root: ROOT,
      settings,
      tuning: pipelineTuning(process.env),
      system,
      databases,
      broker,
      backlog: createBacklogProbe(databases, broker, customerIds),
      progress,
      monitor,
      customerIds,
      shared,
      referencePid: reference.pid,
    };

    for (const [index, step] of selected.entries()) {
      if (runAborted()) {
        outcomes.push({ id: step.id, title: step.title, state: 'not run', seconds: 0 });
        continue;
      }
      stepController = new AbortController();
      const context: BenchContext = { ...base, signal: AbortSignal.any([run.signal, stepController.signal]) };
      monitor.enterStep(step.id);
      progress.begin(index + 1, selected.length, step.title);
      const stepBegan = performance.now();
      try {
        const result = await step.run(context);
        outcomes.push({ id: step.id, title: step.title, state: 'ran', seconds: secondsSince(stepBegan), result });
      } catch (error) {
        const message = describe(context.signal.aborted ? context.signal.reason : error);
        outcomes.push({ id: step.id, title: step.title, state: 'error', seconds: secondsSince(stepBegan), error: message });
        progress.end(`failed: ${message}`);
        if (!runAborted()) await recover(resources, progress);
      }
    }
    monitor.stop();
  } catch (error) {
    setupError = describe(runAborted() ? run.signal.reason : error);
    progress.say(`the bench could not run: ${setupError}`);
  } finally {
    await cleanUp(resources, runId, progress);
  }

  if (environment === undefined) return state.interrupted ? 130 : 1;
  const report: BenchReport = {
    mode: settings.mode,
    runId,
    startedAt: startedAt.toISOString(),
    seconds: secondsSince(began),
    environment,
    figures: selected.flatMap((step) => {
      const outcome = outcomes.find((candidate) => candidate.id === step.id);
      return step.figures.map((spec) => judge(spec, outcome?.result?.measured[spec.id], outcome?.state ?? 'not run'));
    }),
    steps: selected.map((step) => outcomes.find((outcome) => outcome.id === step.id) ?? { id: step.id, title: step.title, state: 'not run', seconds: 0 }),
    problems: setupError === undefined ? problems : [...problems, `setup: ${setupError}`],
    logLines: resources.system?.outputCounts() ?? {},
  };
  process.stdout.write(`\n${formatTable(report)}`);
  const complete = setupError === undefined && report.steps.every((step) => step.state === 'ran');
  const written = await writeReports(report, { root: ROOT, writeDocs: commandLine.writeDocs && complete });
  process.stdout.write(`\nwritten: ${written.join(', ')}\n`);
  if (profileDir !== undefined) process.stdout.write(`CPU profiles of the services: ${path.relative(ROOT, profileDir)}/\n`);
  if (state.interrupted) return 130;
  return complete ? 0 : 1;
}

process.exit(await main());
