import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommandLine, USAGE, UsageError, type CommandLine } from './bench-settings.js';
import type { BenchStep } from './bench-step.js';
import { assembleReport, cleanUp, describeError, recover, runSteps, setUp, type Resources, type StepControl } from './bench-run.js';
import { consumerDrainStep } from './consumer-drain-step.js';
import type { Environment } from './environment.js';
import { intakeStep } from './intake-step.js';
import { latencyStep } from './latency-step.js';
import { memoryStep } from './memory-step.js';
import type { BenchReport, StepOutcome } from './markdown-report.js';
import { outboxDrainStep } from './outbox-drain-step.js';
import { overloadStep } from './overload-step.js';
import { createProgress } from './progress.js';
import { fileStamp, formatTable, writeReports } from './report-writer.js';
import { sustainedStep } from './sustained-step.js';
import { wakeupStep } from './wakeup-step.js';

// npm run bench [-- --quick] [-- --only=…]: starts what it needs on databases,
// queues and ports of its own, measures every figure next to its baseline,
// prints a table, writes the reports, and cleans up, also on failure or Ctrl-C.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Intake first: the sustained step compares itself with its figure. Memory last: it reads the peaks of all the others. */
const STEPS: readonly BenchStep[] = [
  intakeStep,
  wakeupStep,
  overloadStep,
  outboxDrainStep,
  consumerDrainStep,
  latencyStep,
  sustainedStep,
  memoryStep,
];

/** Ctrl-C (or SIGTERM) aborts the run, which then cleans up; a second one kills the services and exits at once. */
function onInterrupt(run: AbortController, resources: Resources, say: (text: string) => void): { interrupted: boolean } {
  const state = { interrupted: false };
  const handle = (signal: NodeJS.Signals) => {
    if (state.interrupted) {
      say('second signal: killing the services and exiting without cleaning up');
      resources.system?.killAll();
      resources.reference?.kill('SIGKILL');
      process.exit(130);
    }
    state.interrupted = true;
    say(`${signal}: stopping the run and cleaning up (send it again to force)`);
    run.abort(new Error(`interrupted by ${signal}`));
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
  return state;
}

/** Runs the selected steps between setup and cleanup, then writes the reports; the exit code. */
async function runBench(commandLine: CommandLine): Promise<number> {
  const { settings } = commandLine;
  const runId = String(process.pid);
  const progress = createProgress();
  const run = new AbortController();
  const startedAt = new Date();
  const profileDir = commandLine.profile ? path.join(ROOT, 'bench-results', `profiles-${fileStamp(startedAt.toISOString())}`) : undefined;
  const selected = STEPS.filter((step) => commandLine.steps.includes(step.id));
  const problems: string[] = [];
  const resources: Resources = {};
  const control: StepControl = { signal: run.signal, current: {}, recover: () => recover(resources, progress) };
  const state = onInterrupt(run, resources, (text) => progress.say(text));
  setTimeout(() => run.abort(new Error(`the run's time budget of ${settings.budgetMs / 1000} s ran out`)), settings.budgetMs).unref();
  // A bug in a step must not leave services and databases behind: fail the step, keep the cleanup.
  process.on('unhandledRejection', (reason) => {
    problems.push(`unexpected error: ${describeError(reason)}`);
    control.current.step?.abort(reason instanceof Error ? reason : new Error(String(reason)));
  });
  const onCrash = (description: string, recentOutput: string) => {
    problems.push(`${description}; last output: ${recentOutput.split('\n').join(' | ')}`);
    control.current.step?.abort(new Error(description));
  };
  let environment: Environment | undefined;
  let outcomes: StepOutcome[] = [];
  let setupError: string | undefined;
  try {
    progress.say(`orders bench, ${settings.mode} run (id ${runId}): ${selected.map((step) => step.id).join(', ')}`);
    const ready = await setUp({ root: ROOT, runId, settings, profileDir, progress, signal: run.signal, onCrash }, resources);
    environment = ready.environment;
    outcomes = await runSteps(selected, ready.resources, control);
  } catch (error) {
    setupError = describeError(run.signal.aborted ? run.signal.reason : error);
    progress.say(`the bench could not run: ${setupError}`);
  } finally {
    await cleanUp(resources, runId, progress);
  }
  if (environment === undefined) return state.interrupted ? 130 : 1;
  const logLines = resources.system?.outputCounts() ?? {};
  const head = {
    mode: settings.mode,
    runId,
    startedAt: startedAt.toISOString(),
    seconds: (Date.now() - startedAt.getTime()) / 1000,
    environment,
    logLines,
    problems: setupError === undefined ? problems : [...problems, `setup: ${setupError}`],
  };
  const report = assembleReport(head, selected, outcomes);
  const complete = setupError === undefined && report.steps.every((step) => step.state === 'ran');
  await publish(report, commandLine.writeDocs && complete, profileDir);
  return state.interrupted ? 130 : complete ? 0 : 1;
}

async function publish(report: BenchReport, writeDocs: boolean, profileDir: string | undefined): Promise<void> {
  process.stdout.write(`\n${formatTable(report)}`);
  const written = await writeReports(report, { root: ROOT, writeDocs });
  process.stdout.write(`\nwritten: ${written.join(', ')}\n`);
  if (profileDir !== undefined) process.stdout.write(`CPU profiles of the services: ${path.relative(ROOT, profileDir)}/\n`);
}

async function main(): Promise<number> {
  try {
    const commandLine = parseCommandLine(process.argv.slice(2));
    if (!commandLine.help) return await runBench(commandLine);
    process.stdout.write(`${USAGE}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
}

process.exit(await main());
