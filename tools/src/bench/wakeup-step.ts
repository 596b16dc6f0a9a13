import type { BenchContext, BenchStep, StepResult } from './bench-step.js';
import { figure, ratioAtLeast } from './figures.js';
import type { HttpLoadResult } from './http-load.js';
import { fixed, table } from './markdown-table.js';
import { batchingBetween, readCounters, type Batching } from './service-metrics.js';

type WakeUp = 'on' | 'off' | 'poll-10ms';

/** Mirror order (A B C C B A): each mode gets an early and a late slot, so drift (autovacuum, a neighbour's tests) cancels out. */
const SEQUENCE: readonly WakeUp[] = ['on', 'off', 'poll-10ms', 'poll-10ms', 'off', 'on'];

const DESCRIPTION: Record<WakeUp, string> = {
  on: 'OUTBOX_WAKEUP=notify (shipped)',
  off: 'OUTBOX_WAKEUP=poll on order_service and the worker (1 s poll)',
  'poll-10ms': 'OUTBOX_WAKEUP=poll, OUTBOX_POLL_INTERVAL_MS=10 (alternative)',
};

async function switchTo(context: BenchContext, mode: WakeUp): Promise<void> {
  if (mode === 'on') {
    await context.system.ensureStandard(context.signal);
    return;
  }
  await context.system.restart('order_service', context.signal, { OUTBOX_WAKEUP: 'poll' });
  const fastPoll: Record<string, string> = mode === 'poll-10ms' ? { OUTBOX_POLL_INTERVAL_MS: '10' } : {};
  await context.system.restart('order_outbox_worker', context.signal, { OUTBOX_WAKEUP: 'poll', ...fastPoll });
}

interface Run {
  mode: WakeUp;
  result: HttpLoadResult;
  batching: Batching;
}

/** Every mode of SEQUENCE in turn, the pipeline drained before and after each run; the shipped setup is put back whatever happened. */
async function runSequence(context: BenchContext): Promise<Run[]> {
  const { system, signal } = context;
  await system.ensureStandard(signal);
  const runs: Run[] = [];
  let current: WakeUp = 'on';
  try {
    for (const [index, mode] of SEQUENCE.entries()) {
      if (mode !== current) await switchTo(context, mode);
      current = mode;
      await context.drained();
      const before = await readCounters(system);
      const label = `run ${index + 1}/${SEQUENCE.length}, wake-up ${mode}`;
      const result = await context.load(label, context.settings.intake.connections, context.settings.wakeup.seconds);
      // Counted once the run's orders are through, so its batches are all in.
      await context.drained();
      runs.push({ mode, result, batching: batchingBetween(before, await readCounters(system)) });
    }
  } finally {
    if (current !== 'on' && !signal.aborted) await switchTo(context, 'on');
  }
  return runs;
}

export const wakeupStep: BenchStep = {
  id: 'wakeup',
  title: 'wake-up cost',
  figures: [
    figure(
      'wakeup.intake',
      'Intake with LISTEN/NOTIFY wake-up on',
      'orders/s',
      'intake with wake-up off (worker polls)',
      ratioAtLeast(0.95),
      'cost ≤ 5 % (≥ 0.95 × off)',
    ),
  ],

  async run(context: BenchContext): Promise<StepResult> {
    const runs = await runSequence(context);
    const rate = (mode: WakeUp) => {
      const rates = runs.filter((run) => run.mode === mode).map((run) => run.result.rate);
      return rates.reduce((total, value) => total + value, 0) / rates.length;
    };
    const [on, off, poll10] = [rate('on'), rate('off'), rate('poll-10ms')];
    const cost = (1 - on / off) * 100;
    const pollCost = (1 - poll10 / off) * 100;
    context.progress.end(`${fixed(on)} orders/s with the wake-up, ${fixed(off)} without: cost ${cost.toFixed(1)} %`);
    const perBatch = (batches: number, each: number | null) => `${batches} × ${fixed(each, 1)}`;
    return {
      measured: {
        'wakeup.intake': {
          value: on,
          baseline: off,
          note: `cost ${cost.toFixed(1)} % of intake; a 10 ms poll instead costs ${pollCost.toFixed(1)} %`,
        },
      },
      details: {
        runs: runs.map(({ mode, result, batching }) => ({ mode, rate: result.rate, p99Ms: result.latencyMs.p99, batching })),
        costPercent: cost,
        poll10msCostPercent: pollCost,
      },
      markdown: [
        `Closed-loop HTTP intake as in the intake step, ${context.settings.wakeup.seconds} s per run, in the order ${SEQUENCE.join(', ')}; between ` +
          'runs the pipeline drains. Cost = 1 − mean(on) / mean(off).',
        '',
        ...table(
          'run: | wake-up | setup | orders/s: | p99 ms: | outbox batches × rows: | consumer batches × events:',
          runs.map(({ mode, result, batching }, index) => [
            index + 1,
            mode,
            DESCRIPTION[mode],
            fixed(result.rate),
            fixed(result.latencyMs.p99, 1),
            perBatch(batching.outboxBatches, batching.rowsPerOutboxBatch),
            perBatch(batching.consumerBatches, batching.eventsPerConsumerBatch),
          ]),
        ),
        '',
        `Cost of the wake-up: **${cost.toFixed(1)} %** of intake${cost < 0 ? ' (negative: within noise)' : ''}. With it off ` +
          'the worker still publishes everything, but a poll interval later, in fewer and larger batches. The alternative ' +
          `that keeps latency low without a hint, a 10 ms poll, costs ${pollCost.toFixed(1)} % while loaded and keeps polling when idle.`,
      ],
    };
  },
};
