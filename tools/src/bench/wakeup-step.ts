import { round, type BenchContext, type BenchStep } from './bench-step.js';
import { figuresOf } from './figures.js';
import { batchingBetween } from './pipeline-probe.js';

type WakeUp = 'on' | 'off' | 'poll-10ms';

/** Mirror order (A B C C B A): each mode gets an early and a late slot, so drift (autovacuum, a neighbour's tests) cancels out. */
const SEQUENCE: readonly WakeUp[] = ['on', 'off', 'poll-10ms', 'poll-10ms', 'off', 'on'];

const SETUP: Record<WakeUp, string> = {
  on: 'OUTBOX_WAKEUP=notify (shipped)',
  off: 'OUTBOX_WAKEUP=poll on order_service and the worker (1 s poll)',
  'poll-10ms': 'OUTBOX_WAKEUP=poll, OUTBOX_POLL_INTERVAL_MS=10 (alternative)',
};

async function switchTo({ system, signal }: BenchContext, mode: WakeUp): Promise<void> {
  if (mode === 'on') return system.ensureStandard(signal);
  await system.restart('order_service', signal, { OUTBOX_WAKEUP: 'poll' });
  await system.restart('order_outbox_worker', signal, {
    OUTBOX_WAKEUP: 'poll',
    ...(mode === 'poll-10ms' ? { OUTBOX_POLL_INTERVAL_MS: '10' } : {}),
  });
}

/** Every mode of SEQUENCE in turn, the pipeline drained before and after each run; the shipped setup is put back whatever happened. */
async function runSequence(context: BenchContext) {
  const runs = [];
  let current: WakeUp = 'on';
  await context.system.ensureStandard(context.signal);
  try {
    for (const mode of SEQUENCE) {
      if (mode !== current) await switchTo(context, mode);
      current = mode;
      await context.drained();
      const before = await context.counters();
      const { rate, latencyMs } = await context.load(context.settings.intake.connections, context.settings.wakeup.seconds);
      // Counted once the run's orders are through, so its batches are all in.
      await context.drained();
      runs.push({ mode, rate, p99Ms: latencyMs.p99, batching: batchingBetween(before, await context.counters()) });
    }
  } finally {
    if (current !== 'on' && !context.signal.aborted) await switchTo(context, 'on');
  }
  return runs;
}

export const wakeupStep: BenchStep = {
  id: 'wakeup',
  title: 'wake-up cost',
  figures: figuresOf('wakeup'),

  async run(context) {
    const runs = await runSequence(context);
    const mean = (mode: WakeUp) => {
      const rates = runs.filter((run) => run.mode === mode).map((run) => run.rate);
      return rates.reduce((total, value) => total + value, 0) / rates.length;
    };
    const [cost, pollCost] = [(1 - mean('on') / mean('off')) * 100, (1 - mean('poll-10ms') / mean('off')) * 100];
    return {
      measured: {
        'wakeup.intake': {
          value: mean('on'),
          baseline: mean('off'),
          note: `cost ${cost.toFixed(1)} % of intake; a 10 ms poll instead costs ${pollCost.toFixed(1)} %`,
        },
      },
      method:
        `Closed-loop HTTP intake as in the intake step, ${context.settings.wakeup.seconds} s per run, in the order ${SEQUENCE.join(', ')}; ` +
        'the pipeline drains between runs. Cost = 1 − mean(on) / mean(off).',
      rows: runs.map(({ mode, rate, p99Ms, batching }, index) => ({
        run: index + 1,
        'wake-up': SETUP[mode],
        'orders/s': round(rate),
        'p99 ms': round(p99Ms, 1),
        'outbox batches': batching.outboxBatches,
        'rows each': round(batching.rowsPerOutboxBatch, 1),
        'consumer batches': batching.consumerBatches,
        'events each': round(batching.eventsPerConsumerBatch, 1),
      })),
      notes: [
        `Cost of the wake-up: **${cost.toFixed(1)} %** of intake${cost < 0 ? ' (negative: within noise)' : ''}. With it off the worker still ` +
          'publishes everything, but a poll interval later, in fewer and larger batches. The alternative that keeps latency low without a ' +
          `hint, a 10 ms poll, costs ${pollCost.toFixed(1)} % while loaded and keeps polling when idle.`,
      ],
    };
  },
};
