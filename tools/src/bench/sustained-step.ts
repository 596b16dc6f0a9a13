import { pause } from '@orders/test-support';
import { round, type BenchContext, type BenchStep } from './bench-step.js';
import { figuresOf } from './figures.js';
import { slope } from './latency-stats.js';
import type { Backlog } from './pipeline-probe.js';

/** Held: the API created ≥ 95 % of the offered orders, none held back; the backlog grew by under 5 % of the rate and ended under 1 s of orders. */
const CRITERIA = { minAchievedShare: 0.95, maxGrowthShareOfRate: 0.05, maxBacklogSeconds: 1 };

/** The backlog sampled every 0.5 s while the open-loop load runs and judged over its last three quarters (the first is the ramp from empty). */
async function sampleBacklogDuring<T>(context: BenchContext, load: () => Promise<T>) {
  const { backlog, signal } = context;
  const watermark = await backlog.maxOrderId();
  const samples: Array<{ seconds: number } & Backlog> = [];
  const startedAt = performance.now();
  // An object: the load below ends it while the sampling loop awaits.
  const state = { loading: true };
  const sampling = (async () => {
    do {
      samples.push({ seconds: (performance.now() - startedAt) / 1000, ...(await backlog.read(watermark)) });
      if (state.loading) await pause(500, signal);
    } while (state.loading);
  })();
  // Awaited below; this only keeps an early failure from counting as unhandled meanwhile.
  sampling.catch(() => undefined);
  const result = await load().finally(() => {
    state.loading = false;
  });
  await sampling;
  return { result, samples };
}

async function runAt(context: BenchContext, offered: number) {
  const { seconds, drainDeadlineMs } = context.settings.sustained;
  await context.drained(drainDeadlineMs);
  const { result: load, samples } = await sampleBacklogDuring(context, () => context.paced(offered, seconds));
  const growth = slope(
    samples.filter((sample) => sample.seconds >= seconds / 4).map((sample) => ({ x: sample.seconds, y: sample.unapplied })),
  );
  const end = samples.at(-1) ?? { unapplied: 0, outboxPending: 0, queued: 0 };
  const bounded = growth <= CRITERIA.maxGrowthShareOfRate * offered && end.unapplied <= CRITERIA.maxBacklogSeconds * offered;
  const keptUp = load.achievedRate >= CRITERIA.minAchievedShare * offered && load.skipped === 0;
  const drainStarted = performance.now();
  const drainSeconds = await context.drained(drainDeadlineMs).then(
    () => (performance.now() - drainStarted) / 1000,
    (error: unknown) => {
      context.signal.throwIfAborted();
      context.say(`  ${offered} orders/s: the backlog did not drain in time (${(error as Error).message})`);
      return null;
    },
  );
  const row = {
    'offered /s': offered,
    'achieved /s': round(load.achievedRate),
    'p99 HTTP ms': round(load.latencyMs.p99, 1),
    'peak backlog': Math.max(0, ...samples.map((sample) => sample.unapplied)),
    'end backlog': end.unapplied,
    'of it: outbox / queue / consumer': `${end.outboxPending} / ${end.queued} / ${Math.max(0, end.unapplied - end.outboxPending - end.queued)}`,
    'growth /s': round(growth, 1),
    'drained in s': round(drainSeconds, 1),
    'kept up': keptUp ? 'yes' : '**no**',
    bounded: bounded ? 'yes' : '**no**',
  };
  return { offered, load, held: bounded && keptUp, drained: drainSeconds !== null, row };
}

export const sustainedStep: BenchStep = {
  id: 'sustained',
  title: 'sustained load',
  figures: figuresOf('sustained'),

  async run(context) {
    const { rates, seconds } = context.settings.sustained;
    await context.system.ensureStandard(context.signal);
    const steps = [];
    for (const offered of rates) {
      const step = await runAt(context, offered);
      steps.push(step);
      // Past a step not held the higher ones cannot be, and a backlog that did not drain would spill into them.
      if (!step.held || !step.drained) break;
    }
    const skipped = rates.slice(steps.length);
    const closedLoopRate = context.shared.httpIntakeRate;
    return {
      measured: {
        'sustained.highest': {
          value: Math.max(0, ...steps.filter((step) => step.held).map((step) => step.offered)),
          baseline: closedLoopRate ?? null,
        },
      },
      method:
        `Open loop through the HTTP API, ${seconds} s per step, all four processes running; the backlog (outbox pending + queue + in the ` +
        'consumer) sampled every 0.5 s. **Held**: the API created ≥ 95 % of the offered orders and the backlog stayed bounded (growth over ' +
        'the last three quarters < 5 % of the offered rate, < 1 s of orders left at the end). Stepping stops after the first step not held.',
      rows: steps.map((step) => step.row),
      notes: skipped.length > 0 ? [`Not run (a lower step was not held): ${skipped.join(', ')} orders/s.`] : [],
      charts: {
        throughput: {
          points: steps.map(({ offered, load, held }) => ({ offered, achieved: load.achievedRate, p99Ms: load.latencyMs.p99, held })),
          closedLoopRate,
        },
      },
    };
  },
};
