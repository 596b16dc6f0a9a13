import type { BenchContext, BenchStep, StepResult } from './bench-step.js';
import { placeOrdersAsFastAsPossible, type HttpLoadResult } from './http-load.js';
import { orderRequestBodies } from './order-events.js';
import { batchingBetween, readBatchingCounters, type Batching } from './pipeline-batching.js';

/**
 * on: the shipped setup: order_service sends a coalesced NOTIFY after each
 * order's commit and the worker LISTENs.
 * off: what the issue compares with: nobody notifies and the worker finds
 * new rows only by its poll (OUTBOX_WAKEUP=poll on both).
 * poll-10ms: the alternative to a hint, for the record: no NOTIFY, and a
 * worker polling every 10 ms to get a latency near the hint's.
 */
type WakeUp = 'on' | 'off' | 'poll-10ms';

/** Mirror order (A B C C B A): each mode gets an early and a late slot, so drift over time (autovacuum, a neighbour's tests) cancels out. */
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
  await context.system.restart('order_outbox_worker', context.signal, {
    OUTBOX_WAKEUP: 'poll',
    ...(mode === 'poll-10ms' ? { OUTBOX_POLL_INTERVAL_MS: '10' } : {}),
  });
}

function mean(values: number[]): number {
  return values.reduce((total, value) => total + value, 0) / values.length;
}

export const wakeupStep: BenchStep = {
  id: 'wakeup',
  title: 'wake-up cost',
  figures: [
    {
      id: 'wakeup.intake',
      title: 'Intake with LISTEN/NOTIFY wake-up on',
      unit: 'orders/s',
      baselineLabel: 'intake with wake-up off (worker polls)',
      goal: { kind: 'ratio-at-least', ratio: 0.95 },
      goalLabel: 'cost ≤ 5 % (≥ 0.95 × off)',
    },
  ],

  async run(context: BenchContext): Promise<StepResult> {
    const { settings, system, progress, signal } = context;
    const seconds = settings.wakeup.seconds;
    await system.ensureStandard(signal);
    const runs: Array<{ mode: WakeUp; result: HttpLoadResult; batching: Batching }> = [];
    let current: WakeUp = 'on';
    try {
      for (const [index, mode] of SEQUENCE.entries()) {
        if (mode !== current) await switchTo(context, mode);
        current = mode;
        await context.backlog.waitUntilDrained(60_000, signal);
        const before = await readBatchingCounters(system);
        const result = await placeOrdersAsFastAsPossible({
          baseUrl: system.orderServiceUrl,
          connections: settings.intake.connections,
          seconds,
          bodies: orderRequestBodies(context.customerIds),
          signal,
          onTick: (responses) => progress.update(`run ${index + 1}/${SEQUENCE.length}, wake-up ${mode}: ${responses.toLocaleString('en-US')} responses`),
        });
        // Counted once the run's orders are through, so its batches are all in.
        await context.backlog.waitUntilDrained(60_000, signal);
        runs.push({ mode, result, batching: batchingBetween(before, await readBatchingCounters(system)) });
      }
    } finally {
      // Whatever happened, the shipped setup is put back.
      if (current !== 'on' && !signal.aborted) await switchTo(context, 'on');
    }
    const rate = (mode: WakeUp) => mean(runs.filter((run) => run.mode === mode).map((run) => run.result.rate));
    const on = rate('on');
    const off = rate('off');
    const poll10 = rate('poll-10ms');
    const cost = (1 - on / off) * 100;
    const pollCost = (1 - poll10 / off) * 100;
    progress.end(`${on.toFixed(0)} orders/s with the wake-up, ${off.toFixed(0)} without: cost ${cost.toFixed(1)} %`);
    return {
      measured: {
        'wakeup.intake': { value: on, baseline: off, note: `cost ${cost.toFixed(1)} % of intake; a 10 ms poll instead costs ${pollCost.toFixed(1)} %` },
      },
      details: {
        runs: runs.map((run) => ({ mode: run.mode, rate: run.result.rate, p99Ms: run.result.latencyMs.p99, batching: run.batching })),
        costPercent: cost,
        poll10msCostPercent: pollCost,
      },
      markdown: [
        `Closed-loop HTTP intake as in the intake step, ${seconds} s per run, in the order ${SEQUENCE.join(', ')}; between ` +
          'runs the pipeline drains. Cost = 1 − mean(on) / mean(off).',
        '',
        '| run | wake-up | setup | orders/s | p99 ms | outbox batches × rows | consumer batches × events |',
        '|---:|---|---|---:|---:|---:|---:|',
        ...runs.map(
          (run, index) =>
            `| ${index + 1} | ${run.mode} | ${DESCRIPTION[run.mode]} | ${run.result.rate.toFixed(0)} | ${run.result.latencyMs.p99.toFixed(1)} | ` +
            `${run.batching.outboxBatches} × ${run.batching.rowsPerOutboxBatch?.toFixed(1) ?? '—'} | ` +
            `${run.batching.consumerBatches} × ${run.batching.eventsPerConsumerBatch?.toFixed(1) ?? '—'} |`,
        ),
        '',
        `Cost of the wake-up: **${cost.toFixed(1)} %** of intake${cost < 0 ? ' (negative: within noise)' : ''}. With it off ` +
          'the worker still publishes everything, but a poll interval later, in fewer and larger batches. The alternative ' +
          `that keeps latency low without a hint, a 10 ms poll, costs ${pollCost.toFixed(1)} % while loaded and keeps polling ` +
          'when idle.',
      ],
    };
  },
};
