import { pause, readCpuSeconds } from '@orders/test-support';
import { round, type BenchContext, type BenchStep } from './bench-step.js';
import { figuresOf } from './figures.js';
import { histogram, summarize, type Distribution } from './latency-stats.js';
import { SYNTHETIC_ORDER_ID_BASE } from './order-events.js';
import { batchingBetween, describeBatching } from './pipeline-probe.js';

/** The seed's outbox poll ran every 5 s: on paper an event waits 2.5 s on average, 4.95 s at the 99th percentile. */
const SEED_POLL_MS = 5_000;
/** The latency goals (ms) of the figure table, marked on the chart. */
const [goalP50 = Number.NaN, goalP99 = Number.NaN] = figuresOf('latency').map((spec) => spec.goal.atMost);
const GOALS = { goalP50, goalP99 };
const CREATED = 'select id::float8 as id, extract(epoch from created_at)::float8 * 1000 as ms from orders where id > $1';
const PROCESSED = `select order_id::float8 as id, extract(epoch from processed_at)::float8 * 1000 as ms
  from processed_order_events where customer_id = any($1::bigint[]) and order_id > $2 and order_id < $3`;

/** processed_at − created_at per order: both now() in one PostgreSQL cluster, so one clock and no skew. */
async function endToEndLatencies({ databases, customerIds }: BenchContext, afterOrderId: number) {
  const [orders, applied] = await Promise.all([
    databases.order.query<{ id: number; ms: number }>(CREATED, [afterOrderId]),
    databases.customer.query<{ id: number; ms: number }>(PROCESSED, [customerIds, afterOrderId, SYNTHETIC_ORDER_ID_BASE]),
  ]);
  const processedAt = new Map(applied.rows.map((row) => [row.id, row.ms]));
  const latencies = orders.rows.flatMap((order) => (processedAt.has(order.id) ? [(processedAt.get(order.id) ?? 0) - order.ms] : []));
  return { latencies, missing: orders.rows.length - latencies.length };
}

/** CPU seconds each process spends over a quiet window: a busy poll would show here. */
async function idleCost({ system, referencePid, signal }: BenchContext, seconds: number): Promise<Record<string, number>> {
  const targets = [...system.list(), ...(referencePid === undefined ? [] : [{ label: 'bare_node', pid: referencePid }])];
  const before = targets.map((target) => readCpuSeconds(target.pid) ?? Number.NaN);
  await pause(seconds * 1000, signal);
  return Object.fromEntries(
    targets.map(({ label, pid }, index) => [label, (readCpuSeconds(pid) ?? Number.NaN) - (before[index] ?? Number.NaN)]),
  );
}

const distributionRow = (latency: string, { count, mean, p50, p90, p99, p999, max }: Distribution, digits: number) => ({
  latency,
  count,
  mean: round(mean, 1),
  ...Object.fromEntries(Object.entries({ p50, p90, p99, 'p99.9': p999, max }).map(([name, value]) => [name, round(value, digits)])),
});

export const latencyStep: BenchStep = {
  id: 'latency',
  title: 'end-to-end latency',
  figures: figuresOf('latency'),

  async run(context) {
    const { rate, seconds, idleSeconds } = context.settings.latency;
    await context.system.ensureStandard(context.signal);
    await context.drained();
    const watermark = await context.backlog.maxOrderId();
    const before = await context.counters();
    const load = await context.paced(rate, seconds);
    await context.drained(30_000);
    const batching = batchingBetween(before, await context.counters());
    const { latencies, missing } = await endToEndLatencies(context, watermark);
    const e2e = summarize(latencies);
    const idle = await idleCost(context, idleSeconds);
    const percentOfCore = (cpuSeconds: number | undefined) => (cpuSeconds === undefined ? null : (cpuSeconds / idleSeconds) * 100);
    const idleList = Object.entries(idle).map(([name, cpu]) => `${name} ${cpu.toFixed(3)}`);
    return {
      measured: {
        'e2e.p50': { value: e2e.p50, baseline: SEED_POLL_MS / 2 },
        'e2e.p99': { value: e2e.p99, baseline: SEED_POLL_MS * 0.99 },
        'idle.worker-cpu': {
          value: percentOfCore(idle.order_outbox_worker),
          baseline: percentOfCore(idle.bare_node),
          note: `${idle.order_outbox_worker?.toFixed(3) ?? '—'} CPU s over ${idleSeconds} s idle`,
        },
      },
      method:
        `${rate} orders/s for ${seconds} s through the HTTP API, open loop (each request due at a fixed time, latency counted from then), ` +
        'all four processes running. Per order: processed_order_events.processed_at − orders.created_at, both PostgreSQL now() in one ' +
        "cluster (ms precision). Baseline on paper: the seed's 5 s outbox poll (median 2.5 s, p99 4.95 s).",
      rows: [distributionRow('end to end, ms', e2e, 0), distributionRow('HTTP answer, ms', load.latencyMs, 1)],
      notes: [
        `Achieved ${load.achievedRate.toFixed(0)} orders/s; ${load.failed} failed, ${load.skipped} not sent, ${missing} not applied. ` +
          `The pipeline ran ${describeBatching(batching)}.`,
        `Idle cost over ${idleSeconds} s with nothing to do (CPU seconds, from /proc/<pid>/stat): ${idleList.join(', ')}.`,
      ],
      charts: {
        latency: { bins: histogram(latencies), p50: e2e.p50, p99: e2e.p99, ...GOALS, rate, count: e2e.count },
      },
    };
  },
};
