import { pause } from '@orders/test-support';
import type { BenchContext, BenchStep, StepResult } from './bench-step.js';
import { figure, NO_GOAL } from './figures.js';
import { slope } from './latency-stats.js';
import { fixed, table } from './markdown-table.js';
import type { PacedLoadResult } from './paced-load.js';
import { describeBacklog, type Backlog } from './pipeline-backlog.js';

const SAMPLE_EVERY_MS = 500;
/** The backlog may grow by at most this share of the offered rate… */
const MAX_GROWTH_SHARE = 0.05;
/** …and hold at most this many seconds of offered orders at the end of the step. */
const MAX_BACKLOG_SECONDS = 1;

type Samples = Array<{ seconds: number; backlog: Backlog }>;

/** Held = kept up (≥ 95 % of the offered orders created, none held back) and bounded; the first quarter is the ramp from empty. */
function judgeStep(offered: number, load: PacedLoadResult, samples: Samples, seconds: number) {
  const settled = samples.filter((sample) => sample.seconds >= seconds / 4);
  const growthPerSecond = slope(settled.map((sample) => ({ x: sample.seconds, y: sample.backlog.unapplied })));
  const final = samples.at(-1)?.backlog;
  const bounded = final !== undefined && growthPerSecond <= MAX_GROWTH_SHARE * offered && final.unapplied <= MAX_BACKLOG_SECONDS * offered;
  const keptUp = load.achievedRate >= 0.95 * offered && load.skipped === 0;
  return { growthPerSecond, bounded, keptUp, held: bounded && keptUp };
}

/** Samples the backlog every SAMPLE_EVERY_MS while the open-loop load runs, then waits for it to drain. */
async function runStep(context: BenchContext, offered: number) {
  const { backlog, progress, signal, settings } = context;
  const seconds = settings.sustained.seconds;
  await context.drained(settings.sustained.drainDeadlineMs);
  const watermark = await backlog.maxOrderId();
  const samples: Samples = [];
  const startedAt = performance.now();
  // An object, not a boolean: the load below flips it while this loop awaits.
  const state = { loading: true };
  const sampling = (async () => {
    do {
      samples.push({ seconds: (performance.now() - startedAt) / 1000, backlog: await backlog.read(watermark) });
      if (state.loading) await pause(SAMPLE_EVERY_MS, signal);
    } while (state.loading);
  })();
  // Awaited below; this only keeps an early failure from counting as unhandled meanwhile.
  sampling.catch(() => undefined);
  let load: PacedLoadResult;
  try {
    load = await context.paced(offered, seconds, (sent) =>
      progress.update(`${offered} orders/s: ${sent}/${offered * seconds} sent, backlog ${samples.at(-1)?.backlog.unapplied ?? 0}`),
    );
  } finally {
    state.loading = false;
    await sampling;
  }
  const verdict = judgeStep(offered, load, samples, seconds);
  const finalBacklog = samples.at(-1)?.backlog ?? (await backlog.read(watermark));
  const drainStarted = performance.now();
  let drainSeconds: number | null = null;
  try {
    await context.drained(settings.sustained.drainDeadlineMs, (seen) =>
      progress.update(`${offered} orders/s done; draining ${describeBacklog(seen)}`),
    );
    drainSeconds = (performance.now() - drainStarted) / 1000;
  } catch (error) {
    signal.throwIfAborted();
    progress.say(`  ${offered} orders/s: the backlog did not drain in time (${(error as Error).message})`);
  }
  const peakBacklog = Math.max(0, ...samples.map((sample) => sample.backlog.unapplied));
  return { offered, load, samples, peakBacklog, finalBacklog, drainSeconds, ...verdict };
}
type LoadStep = Awaited<ReturnType<typeof runStep>>;

function stepRow(step: LoadStep): Array<string | number> {
  const end = step.finalBacklog;
  const inConsumer = Math.max(0, end.unapplied - end.outboxPending - end.queued);
  const yesNo = (flag: boolean) => (flag ? 'yes' : '**no**');
  const drained = step.drainSeconds === null ? 'not in time' : `${step.drainSeconds.toFixed(1)} s`;
  const endBacklog = `${end.unapplied} (${end.outboxPending} / ${end.queued} / ${inConsumer})`;
  return [
    step.offered,
    fixed(step.load.achievedRate),
    fixed(step.load.latencyMs.p99, 1),
    step.peakBacklog,
    endBacklog,
    fixed(step.growthPerSecond, 1),
    drained,
    yesNo(step.keptUp),
    yesNo(step.bounded),
  ];
}

export const sustainedStep: BenchStep = {
  id: 'sustained',
  title: 'sustained load',
  figures: [
    figure('sustained.highest', 'Highest sustained load (HTTP, end to end)', 'orders/s', 'closed-loop HTTP intake (intake step)', NO_GOAL),
  ],

  async run(context: BenchContext): Promise<StepResult> {
    const { progress, settings } = context;
    await context.system.ensureStandard(context.signal);
    const steps: LoadStep[] = [];
    for (const offered of settings.sustained.rates) {
      const step = await runStep(context, offered);
      steps.push(step);
      // Past a step that was not held the next, higher ones cannot be, and a backlog that did not drain would spill into them.
      if (!step.held || step.drainSeconds === null) break;
    }
    const skipped = settings.sustained.rates.slice(steps.length);
    const highest = Math.max(0, ...steps.filter((step) => step.held).map((step) => step.offered));
    const held = steps.map((step) => `${step.offered}: ${step.held ? 'held' : 'not held'}`);
    progress.end(`highest held step ${highest} orders/s (${held.join(', ')})`);
    return {
      measured: { 'sustained.highest': { value: highest, baseline: context.shared.httpIntakeRate ?? null } },
      details: {
        steps: steps.map(({ samples, ...step }) => ({
          ...step,
          samples: samples.map((sample) => ({ seconds: sample.seconds, ...sample.backlog })),
        })),
        skipped,
        criteria: { maxGrowthShareOfRate: MAX_GROWTH_SHARE, maxBacklogSeconds: MAX_BACKLOG_SECONDS, minAchievedShare: 0.95 },
      },
      markdown: [
        `Load: open loop through the HTTP API, ${settings.sustained.seconds} s per step, all four processes running; the backlog ` +
          '(outbox pending + queue + in the consumer) sampled every 0.5 s. **Held**: the API created ≥ 95 % of the offered orders ' +
          `and the backlog stayed bounded (growth over the last three quarters < ${MAX_GROWTH_SHARE * 100} % of the offered rate, ` +
          `< ${MAX_BACKLOG_SECONDS} s of orders left at the end). Stepping stops after the first step not held. ` +
          "Baseline: intake's closed loop.",
        '',
        ...table(
          'offered /s: | achieved /s: | p99 HTTP ms: | peak backlog: | end backlog (outbox / queue / consumer) | growth /s: | drained in: | kept up | bounded',
          steps.map(stepRow),
        ),
        ...(skipped.length > 0 ? ['', `Not run (a lower step was not held): ${skipped.join(', ')} orders/s.`] : []),
      ],
      charts: {
        throughput: {
          points: steps.map((step) => ({
            offered: step.offered,
            achieved: step.load.achievedRate,
            p99Ms: step.load.latencyMs.p99,
            held: step.held,
          })),
          closedLoopRate: context.shared.httpIntakeRate,
        },
      },
    };
  },
};
