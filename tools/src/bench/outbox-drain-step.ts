import type { OrderCreatedV1 } from '@orders/contracts';
import type { BenchContext, BenchStep, StepResult } from './bench-step.js';
import { orderCreatedMessage, SYNTHETIC_ORDER_ID_BASE } from './order-events.js';
import { histogramMean, scrapeMetrics } from './service-metrics.js';
import { eventually } from '@orders/test-support';

interface Preloaded {
  firstId: number;
  lastId: number;
  count: number;
}

interface WorkerDrain {
  workers: number;
  published: number;
  seconds: number;
  rate: number;
  complete: boolean;
  routed: number;
  meanBatchMs: number | undefined;
  batches: number | undefined;
  /** The largest worker's resident memory and V8 heap right after the drain, in MB. */
  rssMb: number | undefined;
  heapTotalMb: number | undefined;
}

/**
 * Due outbox rows made in one statement, payloads shaped like the ones Order
 * Service writes. Order ids are made up (they are only carried in the event).
 */
async function preload(context: BenchContext, count: number, orderIdBase: number): Promise<Preloaded> {
  const { rows } = await context.databases.order.query<{ first_id: number; last_id: number; count: number }>(
    `with generated as (
       select g, gen_random_uuid() as event_id from generate_series(1, $1::int) as g
     ), inserted as (
       insert into outbox_events (event_id, event_type, aggregate_id, payload)
       select event_id, 'order.created', $2::bigint + g, jsonb_build_object(
         'event_id', event_id::text,
         'occurred_at', to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'order_id', $2::bigint + g,
         'customer_id', ($3::bigint[])[1 + g % cardinality($3::bigint[])],
         'product_name', 'Bench widget',
         'quantity', 1 + g % 5,
         'price', 9.99,
         'status', 'pending')
       from generated
       returning id
     )
     select min(id)::float8 as first_id, max(id)::float8 as last_id, count(*)::int as count from inserted`,
    [count, orderIdBase, context.customerIds],
  );
  const loaded = rows[0];
  if (loaded === undefined) throw new Error('preloading outbox rows returned nothing');
  // Every run starts from a table without dead tuples, so runs compare.
  await context.databases.order.query('vacuum analyze outbox_events');
  return { firstId: loaded.first_id, lastId: loaded.last_id, count: loaded.count };
}

/**
 * The worker publishes the preloaded rows. The bench holds an EXCLUSIVE lock
 * on outbox_events while the workers start, so their first claims wait and
 * every worker begins at the same instant, the release; the drain is timed
 * on PostgreSQL's clock from the release to the last row marked published.
 */
async function drainWithWorkers(context: BenchContext, workers: number, rows: Preloaded): Promise<WorkerDrain> {
  const { system, databases, broker, progress, signal } = context;
  const deadlineMs = context.settings.outboxDrain.deadlineMs;
  const lock = await databases.order.connect();
  let released = false;
  try {
    await lock.query('begin');
    await lock.query('lock table outbox_events in exclusive mode');
    const labels = Array.from({ length: workers }, (_, index) => (index === 0 ? 'order_outbox_worker' : `order_outbox_worker#${index + 1}`));
    await Promise.all(labels.map((label) => system.start('order_outbox_worker', signal, { label })));
    const clock = await lock.query<{ now_ms: number }>('select extract(epoch from clock_timestamp())::float8 * 1000 as now_ms');
    const startMs = clock.rows[0]?.now_ms ?? Number.NaN;
    await lock.query('commit');
    released = true;

    // Queue depth is free to poll; the database is asked only at the end, so the bench does not load it meanwhile.
    const routed = await eventually(
      () => broker.queueDepth(),
      (depth) => {
        progress.update(`${workers} worker(s): ${depth.toLocaleString('en-US')}/${rows.count.toLocaleString('en-US')} published`);
        return depth >= rows.count;
      },
      { timeoutMs: deadlineMs, intervalMs: 100, what: 'the outbox to be published', signal },
    ).catch(() => -1);
    const final = await eventually(
      async () => {
        const { rows: found } = await databases.order.query<{ pending: number; now_ms: number }>(
          `select count(*) filter (where published_at is null)::int as pending,
                  extract(epoch from clock_timestamp())::float8 * 1000 as now_ms
           from outbox_events where id between $1 and $2`,
          [rows.firstId, rows.lastId],
        );
        return found[0] ?? { pending: rows.count, now_ms: Number.NaN };
      },
      (seen) => seen.pending === 0 || routed < 0,
      { timeoutMs: 10_000, intervalMs: 20, what: 'published rows to be marked', signal },
    );
    const metrics = await Promise.all(labels.map((label) => scrapeMetrics(system.metricsPort(label))));
    await Promise.all(labels.map((label) => system.stop(label)));
    const published = rows.count - final.pending;
    const seconds = (final.now_ms - startMs) / 1000;
    const batchMeans = metrics.map((series) => histogramMean(series, 'outbox_batch_duration_seconds')).filter((mean) => mean !== undefined);
    const batches = metrics.reduce((total, series) => total + (series.get('outbox_batch_duration_seconds_count') ?? 0), 0);
    const largest = (name: string) => {
      const values = metrics.map((series) => series.get(name)).filter((value) => value !== undefined);
      return values.length === 0 ? undefined : Math.max(...values) / (1024 * 1024);
    };
    return {
      workers,
      published,
      seconds,
      rate: published / seconds,
      complete: final.pending === 0,
      routed: await broker.queueDepth(),
      meanBatchMs: batchMeans.length === 0 ? undefined : (batchMeans.reduce((total, mean) => total + mean, 0) / batchMeans.length) * 1000,
      batches,
      rssMb: largest('process_resident_memory_bytes'),
      heapTotalMb: largest('nodejs_heap_size_total_bytes'),
    };
  } finally {
    if (!released) await lock.query('rollback').catch(() => undefined);
    lock.release();
  }
}

export const outboxDrainStep: BenchStep = {
  id: 'outbox-drain',
  title: 'outbox drain',
  figures: [
    {
      id: 'outbox.one-worker',
      title: 'Outbox drain, one worker',
      unit: 'msg/s',
      baselineLabel: 'plain amqplib publish with confirms',
      goal: { kind: 'ratio-at-least', ratio: 0.5 },
    },
    {
      id: 'outbox.two-workers',
      title: 'Outbox drain, two workers',
      unit: 'msg/s',
      baselineLabel: 'plain amqplib publish with confirms',
      goal: { kind: 'ratio-at-least', ratio: 0.5 },
    },
  ],

  async run(context: BenchContext): Promise<StepResult> {
    const { system, databases, broker, progress, signal, tuning } = context;
    const count = context.settings.outboxDrain.rows;
    const window = tuning.outboxBatchSize * tuning.outboxConcurrency;
    // The consumer declares the queue; then it and the worker stop, so the queue only fills.
    await system.ensureStandard(signal);
    await context.backlog.waitUntilDrained(60_000, signal);
    await system.stopRole('order_created_consumer');
    await system.stopRole('order_outbox_worker');
    await broker.purge();

    progress.update(`preloading ${count.toLocaleString('en-US')} outbox rows`);
    const first = await preload(context, count, SYNTHETIC_ORDER_ID_BASE);
    const { rows } = await databases.order.query<{ payload: OrderCreatedV1; traceparent: string | null }>(
      'select payload, traceparent from outbox_events where id between $1 and $2 order by id',
      [first.firstId, first.lastId],
    );
    const now = new Date();
    const messages = rows.map((row) => orderCreatedMessage(row.payload, row.traceparent, now));
    const baseline = await broker.publishWindowed(messages, window, signal, (confirmed) =>
      progress.update(`baseline: ${confirmed.toLocaleString('en-US')}/${count.toLocaleString('en-US')} confirmed`),
    );
    const baselineRate = baseline.confirmed / baseline.seconds;
    const baselineRouted = await broker.waitForDepth(count, signal, 5_000);
    await broker.purge();

    const one = await drainWithWorkers(context, 1, first);
    await broker.purge();
    progress.update(`preloading ${count.toLocaleString('en-US')} more outbox rows`);
    const second = await preload(context, count, SYNTHETIC_ORDER_ID_BASE + count);
    const two = await drainWithWorkers(context, 2, second);
    await broker.purge();
    await system.ensureStandard(signal);

    const check = (drain: WorkerDrain) =>
      drain.complete && drain.routed === count ? 'all routed once' : `${drain.published} published, ${drain.routed} in the queue`;
    const note = (drain: WorkerDrain) => (drain.complete ? undefined : `deadline reached: rate over ${drain.published} rows`);
    progress.end(`${one.rate.toFixed(0)} msg/s with one worker, ${two.rate.toFixed(0)} with two, baseline ${baselineRate.toFixed(0)}`);
    const measuredOne = { value: one.rate, baseline: baselineRate, ...(note(one) === undefined ? {} : { note: note(one) }) };
    const measuredTwo = { value: two.rate, baseline: baselineRate, ...(note(two) === undefined ? {} : { note: note(two) }) };
    return {
      measured: { 'outbox.one-worker': measuredOne, 'outbox.two-workers': measuredTwo },
      details: { rows: count, window, baseline: { ...baseline, rate: baselineRate, routed: baselineRouted }, oneWorker: one, twoWorkers: two },
      markdown: [
        `${count.toLocaleString('en-US')} due rows are preloaded into outbox_events (then VACUUM ANALYZE); the consumer is ` +
          'stopped so the queue only fills. The workers start while the bench holds a lock on the table, so they all begin ' +
          'at its release; the drain is timed on PostgreSQL\'s clock from the release until the last row is marked published. ' +
          `Worker settings: batch ${tuning.outboxBatchSize}, ${tuning.outboxConcurrency} batches in flight per worker. The baseline ` +
          `publishes the same messages (same body and properties, persistent, mandatory, to the same topic exchange and bound ` +
          `quorum queue) with amqplib on one confirm channel, at most ${window} unconfirmed (the worker's own maximum).`,
        '',
        '| run | msg/s | seconds | mean batch ms | batches | worker RSS / heap MB after | check |',
        '|---|---:|---:|---:|---:|---:|---|',
        `| plain publish baseline | ${baselineRate.toFixed(0)} | ${baseline.seconds.toFixed(2)} | — | — | — | ${baselineRouted} routed, ${baseline.returned} returned, ${baseline.nacked} nacked |`,
        ...[one, two].map(
          (drain) =>
            `| ${drain.workers} worker(s) | ${drain.rate.toFixed(0)} | ${drain.seconds.toFixed(2)} | ${drain.meanBatchMs?.toFixed(1) ?? '—'} | ` +
            `${drain.batches ?? '—'} | ${drain.rssMb?.toFixed(0) ?? '—'} / ${drain.heapTotalMb?.toFixed(0) ?? '—'} | ${check(drain)} |`,
        ),
      ],
    };
  },
};
