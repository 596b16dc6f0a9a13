import type { BenchContext, BenchStep, StepResult } from './bench-step.js';
import { histogram, summarize } from './latency-stats.js';
import { orderRequestBodies, SYNTHETIC_ORDER_ID_BASE } from './order-events.js';
import { placeOrdersAtRate } from './paced-load.js';
import { batchingBetween, describeBatching, readBatchingCounters } from './pipeline-batching.js';
import { readCpuSeconds } from './proc-stats.js';
import { pause } from '@orders/test-support';

/** The seed's outbox poll ran every 5 s: on paper an event waits 2.5 s on average, 4.95 s at the 99th percentile. */
const SEED_POLL_SECONDS = 5;
const PAPER_P50_MS = (SEED_POLL_SECONDS * 1000) / 2;
const PAPER_P99_MS = SEED_POLL_SECONDS * 1000 * 0.99;

/**
 * End-to-end latency per order: processed_order_events.processed_at (customer
 * database) minus orders.created_at (order database). Both are now() of their
 * transaction in the same PostgreSQL cluster, so one clock, no skew; both are
 * stored with millisecond precision.
 */
async function endToEndLatencies(context: BenchContext, afterOrderId: number): Promise<{ latencies: number[]; missing: number }> {
  const [orders, applied] = await Promise.all([
    context.databases.order.query<{ id: number; created_ms: number }>(
      'select id::float8 as id, extract(epoch from created_at)::float8 * 1000 as created_ms from orders where id > $1',
      [afterOrderId],
    ),
    context.databases.customer.query<{ order_id: number; processed_ms: number }>(
      `select order_id::float8 as order_id, extract(epoch from processed_at)::float8 * 1000 as processed_ms
       from processed_order_events where customer_id = any($1::bigint[]) and order_id > $2 and order_id < $3`,
      [context.customerIds, afterOrderId, SYNTHETIC_ORDER_ID_BASE],
    ),
  ]);
  const processedAt = new Map(applied.rows.map((row) => [row.order_id, row.processed_ms]));
  const latencies: number[] = [];
  let missing = 0;
  for (const order of orders.rows) {
    const processed = processedAt.get(order.id);
    if (processed === undefined) missing += 1;
    else latencies.push(processed - order.created_ms);
  }
  return { latencies, missing };
}

/** CPU seconds each process spends over a quiet window: a busy poll would show here. */
async function idleCost(context: BenchContext, seconds: number): Promise<Record<string, number>> {
  const targets = context.system.list().map((entry) => ({ name: entry.label, pid: entry.pid }));
  if (context.referencePid !== undefined) targets.push({ name: 'bare_node', pid: context.referencePid });
  const before = targets.map((target) => readCpuSeconds(target.pid));
  await pause(seconds * 1000, context.signal);
  return Object.fromEntries(
    targets.map((target, index) => [target.name, (readCpuSeconds(target.pid) ?? Number.NaN) - (before[index] ?? Number.NaN)]),
  );
}

export const latencyStep: BenchStep = {
  id: 'latency',
  title: 'end-to-end latency',
  figures: [
    {
      id: 'e2e.p50',
      title: 'End-to-end latency p50',
      unit: 'ms',
      baselineLabel: 'seed design on paper (5 s poll)',
      goal: { kind: 'at-most', limit: 5 },
    },
    {
      id: 'e2e.p99',
      title: 'End-to-end latency p99',
      unit: 'ms',
      baselineLabel: 'seed design on paper (5 s poll)',
      goal: { kind: 'at-most', limit: 10 },
    },
    {
      id: 'idle.worker-cpu',
      title: 'Idle outbox worker CPU',
      unit: '% of a core',
      baselineLabel: 'bare Node.js process, same window',
      goal: { kind: 'at-most', limit: 1 },
    },
  ],

  async run(context: BenchContext): Promise<StepResult> {
    const { system, backlog, progress, signal } = context;
    const { rate, seconds, idleSeconds } = context.settings.latency;
    await system.ensureStandard(signal);
    await backlog.waitUntilDrained(60_000, signal);
    const watermark = await backlog.maxOrderId();
    const before = await readBatchingCounters(system);
    const load = await placeOrdersAtRate({
      baseUrl: system.orderServiceUrl,
      rate,
      seconds,
      bodies: orderRequestBodies(context.customerIds),
      signal,
      onTick: (sent, created) => progress.update(`${rate} orders/s: ${sent}/${rate * seconds} sent, ${created} created`),
    });
    await backlog.waitUntilDrained(30_000, signal, (seen) => progress.update(`waiting for ${seen.unapplied} orders to be applied`));
    const batching = batchingBetween(before, await readBatchingCounters(system));
    const { latencies, missing } = await endToEndLatencies(context, watermark);
    const e2e = summarize(latencies);

    progress.update(`measuring idle cost for ${idleSeconds} s`);
    const idle = await idleCost(context, idleSeconds);
    const percentOfCore = (cpuSeconds: number | undefined) => (cpuSeconds === undefined ? null : (cpuSeconds / idleSeconds) * 100);
    const workerCpu = idle.order_outbox_worker;
    const bareCpu = idle.bare_node;

    progress.end(`p50 ${e2e.p50.toFixed(0)} ms, p99 ${e2e.p99.toFixed(0)} ms over ${e2e.count} orders; idle worker ${workerCpu?.toFixed(3) ?? '?'} CPU s`);
    const bins = histogram(latencies);
    return {
      measured: {
        'e2e.p50': { value: e2e.p50, baseline: PAPER_P50_MS },
        'e2e.p99': { value: e2e.p99, baseline: PAPER_P99_MS },
        'idle.worker-cpu': {
          value: percentOfCore(workerCpu),
          baseline: percentOfCore(bareCpu),
          note: `${workerCpu?.toFixed(3) ?? '?'} CPU s over ${idleSeconds} s idle`,
        },
      },
      details: { load, endToEndMs: e2e, missing, batching, histogram: bins, idleCpuSeconds: idle, idleSeconds },
      markdown: [
        `${rate} orders/s for ${seconds} s, open loop (each request due at a fixed time, latency counted from then) through ` +
          'the HTTP API with all four processes running. Per order, end-to-end latency = processed_order_events.processed_at − ' +
          'orders.created_at, both PostgreSQL now() (transaction start) in the same cluster, joined on order id; millisecond ' +
          `precision. The paper baseline is the seed's 5 s outbox poll (mean and median 2.5 s, p99 4.95 s).`,
        '',
        '| | count | mean | p50 | p90 | p99 | p99.9 | max |',
        '|---|---:|---:|---:|---:|---:|---:|---:|',
        `| end to end, ms | ${e2e.count} | ${e2e.mean.toFixed(1)} | ${e2e.p50.toFixed(0)} | ${e2e.p90.toFixed(0)} | ${e2e.p99.toFixed(0)} | ${e2e.p999.toFixed(0)} | ${e2e.max.toFixed(0)} |`,
        `| HTTP answer, ms | ${load.latencyMs.count} | ${load.latencyMs.mean.toFixed(1)} | ${load.latencyMs.p50.toFixed(1)} | ${load.latencyMs.p90.toFixed(1)} | ${load.latencyMs.p99.toFixed(1)} | ${load.latencyMs.p999.toFixed(1)} | ${load.latencyMs.max.toFixed(1)} |`,
        '',
        `Achieved ${load.achievedRate.toFixed(0)} orders/s; ${load.failed} failed, ${load.skipped} not sent, ${missing} not applied. ` +
          `The pipeline ran ${describeBatching(batching)}.`,
        '',
        `Idle cost over ${idleSeconds} s with nothing to do (CPU seconds, from /proc/<pid>/stat): ` +
          Object.entries(idle)
            .map(([name, cpu]) => `${name} ${cpu.toFixed(3)}`)
            .join(', ') +
          '.',
      ],
      charts: { latency: { bins, p50: e2e.p50, p99: e2e.p99, goalP50: 5, goalP99: 25, rate, count: e2e.count } },
    };
  },
};
