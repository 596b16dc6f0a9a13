import { pause, readCpuSeconds } from '@orders/test-support';
import type { BenchContext, BenchStep, StepResult } from './bench-step.js';
import { atMost, figure } from './figures.js';
import { histogram, summarize, type Distribution } from './latency-stats.js';
import { fixed, table } from './markdown-table.js';
import { SYNTHETIC_ORDER_ID_BASE } from './order-events.js';
import { batchingBetween, describeBatching, readCounters } from './service-metrics.js';

/** The seed's outbox poll ran every 5 s: on paper an event waits 2.5 s on average, 4.95 s at the 99th percentile. */
const SEED_POLL_MS = 5_000;

/** processed_at − created_at per order: both now() in one PostgreSQL cluster, so one clock and no skew. */
async function endToEndLatencies(context: BenchContext, afterOrderId: number) {
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
  const latencies = orders.rows.flatMap((order) => {
    const processed = processedAt.get(order.id);
    return processed === undefined ? [] : [processed - order.created_ms];
  });
  return { latencies, missing: orders.rows.length - latencies.length };
}

/** CPU seconds each process spends over a quiet window: a busy poll would show here. */
async function idleCost(context: BenchContext, seconds: number): Promise<Record<string, number>> {
  const targets = context.system.list().map((entry) => ({ name: entry.label, pid: entry.pid }));
  if (context.referencePid !== undefined) targets.push({ name: 'bare_node', pid: context.referencePid });
  const before = targets.map((target) => readCpuSeconds(target.pid) ?? Number.NaN);
  await pause(seconds * 1000, context.signal);
  const spent = (pid: number, index: number) => (readCpuSeconds(pid) ?? Number.NaN) - (before[index] ?? Number.NaN);
  return Object.fromEntries(targets.map((target, index) => [target.name, spent(target.pid, index)]));
}

const distributionRow = (name: string, d: Distribution, digits: number) => [
  name,
  d.count,
  fixed(d.mean, 1),
  ...[d.p50, d.p90, d.p99, d.p999, d.max].map((value) => fixed(value, digits)),
];

export const latencyStep: BenchStep = {
  id: 'latency',
  title: 'end-to-end latency',
  figures: [
    figure('e2e.p50', 'End-to-end latency p50', 'ms', 'seed design on paper (5 s poll)', atMost(5)),
    figure('e2e.p99', 'End-to-end latency p99', 'ms', 'seed design on paper (5 s poll)', atMost(10)),
    figure('idle.worker-cpu', 'Idle outbox worker CPU', '% of a core', 'bare Node.js process, same window', atMost(1)),
  ],

  async run(context: BenchContext): Promise<StepResult> {
    const { system, backlog, progress, signal } = context;
    const { rate, seconds, idleSeconds } = context.settings.latency;
    await system.ensureStandard(signal);
    await context.drained();
    const watermark = await backlog.maxOrderId();
    const before = await readCounters(system);
    const load = await context.paced(rate, seconds, (sent, created) =>
      progress.update(`${rate} orders/s: ${sent}/${rate * seconds} sent, ${created} created`),
    );
    await context.drained(30_000, (seen) => progress.update(`waiting for ${seen.unapplied} orders to be applied`));
    const batching = batchingBetween(before, await readCounters(system));
    const { latencies, missing } = await endToEndLatencies(context, watermark);
    const e2e = summarize(latencies);

    progress.update(`measuring idle cost for ${idleSeconds} s`);
    const idle = await idleCost(context, idleSeconds);
    const percentOfCore = (cpuSeconds: number | undefined) => (cpuSeconds === undefined ? null : (cpuSeconds / idleSeconds) * 100);
    const workerCpu = idle.order_outbox_worker;
    progress.end(`p50 ${fixed(e2e.p50)} ms, p99 ${fixed(e2e.p99)} ms over ${e2e.count} orders; idle worker ${fixed(workerCpu, 3)} CPU s`);
    const bins = histogram(latencies);
    const idleList = Object.entries(idle).map(([name, cpu]) => `${name} ${cpu.toFixed(3)}`).join(', ');
    return {
      measured: {
        'e2e.p50': { value: e2e.p50, baseline: SEED_POLL_MS / 2 },
        'e2e.p99': { value: e2e.p99, baseline: SEED_POLL_MS * 0.99 },
        'idle.worker-cpu': {
          value: percentOfCore(workerCpu),
          baseline: percentOfCore(idle.bare_node),
          note: `${fixed(workerCpu, 3)} CPU s over ${idleSeconds} s idle`,
        },
      },
      details: { load, endToEndMs: e2e, missing, batching, histogram: bins, idleCpuSeconds: idle, idleSeconds },
      markdown: [
        `Load: ${rate} orders/s for ${seconds} s through the HTTP API, open loop (each request due at a fixed time, latency ` +
          'counted from then), all four processes running. Timed per order: processed_order_events.processed_at − orders.created_at, ' +
          "both PostgreSQL now() in one cluster (ms precision). Baseline on paper: the seed's 5 s outbox poll (median 2.5 s, p99 4.95 s).",
        '',
        ...table(' | count: | mean: | p50: | p90: | p99: | p99.9: | max:', [
          distributionRow('end to end, ms', e2e, 0),
          distributionRow('HTTP answer, ms', load.latencyMs, 1),
        ]),
        '',
        `Achieved ${fixed(load.achievedRate)} orders/s; ${load.failed} failed, ${load.skipped} not sent, ${missing} not applied. ` +
          `The pipeline ran ${describeBatching(batching)}.`,
        '',
        `Idle cost over ${idleSeconds} s with nothing to do (CPU seconds, from /proc/<pid>/stat): ${idleList}.`,
      ],
      charts: { latency: { bins, p50: e2e.p50, p99: e2e.p99, goalP50: 5, goalP99: 25, rate, count: e2e.count } },
    };
  },
};
