import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommandLine, USAGE, UsageError, type CommandLine } from './bench-settings.js';
import { cleanUp, recover, setUp, type Held, type RunResources } from './bench-setup.js';
import { stepContext, type BenchStep } from './bench-step.js';
import { consumerDrainStep } from './consumer-drain-step.js';
import { formatRatio, formatValue, judge } from './figures.js';
import { intakeStep } from './intake-step.js';
import { latencyStep } from './latency-step.js';
import { summaryTable, type StepOutcome } from './markdown-report.js';
import { memoryStep } from './memory-step.js';
import { outboxDrainStep } from './outbox-drain-step.js';
import { overloadStep } from './overload-step.js';
import { writeReports } from './report-writer.js';
import { sustainedStep } from './sustained-step.js';
import { wakeupStep } from './wakeup-step.js';

// npm run bench [-- --quick] [-- --only=…]: starts what it needs on databases,
// queues and ports of its own, measures every figure next to its baseline,
// prints the table, writes the reports, and cleans up, also on failure or Ctrl-C.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const STEPS = [intakeStep, wakeupStep, overloadStep, outboxDrainStep, consumerDrainStep, latencyStep, sustainedStep, memoryStep];
/** Progress on stderr; stdout keeps the results. */
const say = (text: string) => void process.stderr.write(`${text}\n`);
const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** One step with an abort of its own (a crash or an unhandled rejection ends just it); after a failure, a clean slate for the next. */
async function runStep(step: BenchStep, resources: RunResources, held: Held, run: AbortSignal, current: { step?: AbortController }) {
  const { id, title } = step;
  const context = stepContext(resources, AbortSignal.any([run, (current.step = new AbortController()).signal]));
  const began = performance.now();
  const seconds = () => (performance.now() - began) / 1000;
  resources.monitor.enterStep(id);
  try {
    const result = await step.run(context);
    for (const spec of step.figures) {
      const { value, baseline, ratio } = judge(spec, result.measured[spec.id], 'ran');
      say(`  ${spec.title}: ${formatValue(value, spec.unit)} (baseline ${formatValue(baseline, spec.unit)}, ${formatRatio(ratio)})`);
    }
    return { id, title, state: 'ran' as const, seconds: seconds(), result };
  } catch (error) {
    const message = describe(context.signal.aborted ? context.signal.reason : error);
    say(`  failed: ${message}`);
    if (!run.aborted) await recover(held, say);
    return { id, title, state: 'error' as const, seconds: seconds(), error: message };
  }
}

/** Runs the selected steps between setup and cleanup, then writes the reports; the exit code. */
async function runBench({ settings, steps: ids, writeDocs, profile }: CommandLine): Promise<number> {
  const runId = String(process.pid);
  const profileDir = profile ? path.join(ROOT, 'bench-results', `profiles-${runId}`) : undefined;
  const startedAt = new Date();
  const run = new AbortController();
  /** What setup made, for the cleanup; the step running now, for an abort of its own. */
  const held: Held = {};
  const current: { step?: AbortController } = {};
  const steps = STEPS.filter((step) => ids.includes(step.id));
  const problems: string[] = [];
  // Ctrl-C (or SIGTERM) aborts the run, which then cleans up; a second one kills the services and exits at once.
  const onSignal = (signal: NodeJS.Signals) => {
    if (!run.signal.aborted) {
      say(`${signal}: stopping the run and cleaning up (send it again to force)`);
      return run.abort(new Error(`interrupted by ${signal}`));
    }
    say('second signal: killing the services and exiting without cleaning up');
    held.system?.killAll();
    held.reference?.kill('SIGKILL');
    process.exit(130);
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  setTimeout(() => run.abort(new Error(`the run's time budget of ${settings.budgetMs / 1000} s ran out`)), settings.budgetMs).unref();
  // A bug in a step must not leave services and databases behind: fail the step, keep the cleanup.
  const failStep = (problem: string, reason: Error) => {
    problems.push(problem);
    current.step?.abort(reason);
  };
  process.on('unhandledRejection', (reason) => failStep(`unexpected error: ${describe(reason)}`, new Error(describe(reason))));
  const onCrash = (what: string, output: string) => failStep(`${what}; last output: ${output.split('\n').join(' | ')}`, new Error(what));
  const outcomes: StepOutcome[] = [];
  let environment;
  try {
    say(`orders bench, ${settings.mode} run (id ${runId}): ${ids.join(', ')}`);
    const ready = await setUp({ root: ROOT, runId, settings, say, profileDir, signal: run.signal, onCrash }, held);
    environment = ready.environment;
    for (const [index, step] of steps.entries()) {
      if (run.signal.aborted) {
        outcomes.push({ id: step.id, title: step.title, state: 'not run', seconds: 0 });
        continue;
      }
      say(`[${index + 1}/${steps.length}] ${step.title}`);
      outcomes.push(await runStep(step, ready.resources, held, run.signal, current));
    }
    ready.resources.monitor.stop();
  } catch (error) {
    problems.push(`setup: ${describe(run.signal.aborted ? run.signal.reason : error)}`);
    say(`the bench could not run: ${problems.at(-1) ?? ''}`);
  } finally {
    await cleanUp(held, runId, say);
  }
  if (environment === undefined) return run.signal.aborted ? 130 : 1;
  const figures = steps.flatMap((step, index) =>
    step.figures.map((spec) => judge(spec, outcomes[index]?.result?.measured[spec.id], outcomes[index]?.state ?? 'not run')),
  );
  const seconds = (Date.now() - startedAt.getTime()) / 1000;
  const report = {
    mode: settings.mode,
    runId,
    startedAt: startedAt.toISOString(),
    seconds,
    environment,
    figures,
    steps: outcomes,
    problems,
    logLines: held.system?.logLines() ?? {},
  };
  const complete = outcomes.length === steps.length && outcomes.every((step) => step.state === 'ran');
  const failed = outcomes.filter((step) => step.state === 'error').map((step) => `step ${step.id} failed: ${step.error ?? ''}`);
  process.stdout.write(`\n${[...summaryTable(figures), ...[...problems, ...failed].map((line) => `\n${line}`)].join('\n')}\n`);
  process.stdout.write(`\nwritten: ${(await writeReports(report, ROOT, writeDocs && complete)).join(', ')}\n`);
  if (profileDir !== undefined) process.stdout.write(`CPU profiles of the services: ${path.relative(ROOT, profileDir)}/\n`);
  return run.signal.aborted ? 130 : complete ? 0 : 1;
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
