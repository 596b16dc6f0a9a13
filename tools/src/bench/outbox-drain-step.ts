import { orderCreatedJsonbSql, type OrderCreatedV1 } from '@orders/contracts';
import { eventually, histogramMean, scrapeMetrics } from '@orders/test-support';
import type { BenchContext, BenchStep, StepResult } from './bench-step.js';
import { figure, ratioAtLeast } from './figures.js';
import { fixed, table, thousands } from './markdown-table.js';
import { orderCreatedMessage, SYNTHETIC_ORDER_ID_BASE } from './order-events.js';

type Preloaded = { firstId: number; lastId: number; count: number };

/** The contract's payload, as Order Service writes it, for made-up orders (their ids are only carried in the event). */
const PAYLOAD = orderCreatedJsonbSql({
  event_id: 'event_id::text',
  occurred_at: `to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
  order_id: '$2::bigint + g',
  customer_id: '($3::bigint[])[1 + g % cardinality($3::bigint[])]',
  product_name: "'Bench widget'",
  quantity: '1 + g % 5',
  price: '9.99',
  status: "'pending'",
});

/** Due outbox rows made in one statement; then VACUUM ANALYZE, so every run starts from a table without dead tuples. */
async function preload(context: BenchContext, count: number, orderIdBase: number): Promise<Preloaded> {
  context.progress.update(`preloading ${thousands(count)} outbox rows`);
  const { rows } = await context.databases.order.query<Preloaded>(
    `with inserted as (
       insert into outbox_events (event_id, event_type, aggregate_id, payload)
       select event_id, 'order.created', $2::bigint + g, ${PAYLOAD}
       from (select g, gen_random_uuid() as event_id from generate_series(1, $1::int) as g) generated
       returning id
     )
     select min(id)::float8 as "firstId", max(id)::float8 as "lastId", count(*)::int as count from inserted`,
    [count, orderIdBase, context.customerIds],
  );
  await context.databases.order.query('vacuum analyze outbox_events');
  if (rows[0] === undefined) throw new Error('preloading outbox rows returned nothing');
  return rows[0];
}

/** The plain publish baseline, over the very messages (body and properties) the worker would send for these rows. */
async function publishBaseline(context: BenchContext, rows: Preloaded, window: number) {
  const { databases, broker, progress, signal } = context;
  const found = await databases.order.query<{ payload: OrderCreatedV1; traceparent: string | null }>(
    'select payload, traceparent from outbox_events where id between $1 and $2 order by id',
    [rows.firstId, rows.lastId],
  );
  const messages = found.rows.map((row) => orderCreatedMessage(row.payload, row.traceparent, new Date()));
  const report = await broker.publishWindowed(messages, window, signal, (confirmed) =>
    progress.update(`baseline: ${thousands(confirmed)}/${thousands(rows.count)} confirmed`),
  );
  const routed = await broker.waitForDepth(rows.count, signal, 5_000);
  await broker.purge();
  return { ...report, rate: report.confirmed / report.seconds, routed };
}

/** The queue is watched until it holds every row (free to poll); only then is the database asked, on its own clock. */
async function waitForDrain(context: BenchContext, workers: number, rows: Preloaded) {
  const { databases, broker, progress, signal } = context;
  // Past the deadline the rate is taken over what was published by then.
  const published = (depth: number) => {
    progress.update(`${workers} worker(s): ${thousands(depth)}/${thousands(rows.count)} published`);
    return depth >= rows.count;
  };
  const routed = await broker.watchDepth(published, {
    timeoutMs: context.settings.outboxDrain.deadlineMs,
    intervalMs: 100,
    what: 'the outbox to be published',
    signal,
  });
  const marked = async () => {
    const { rows: found } = await databases.order.query<{ pending: number; now_ms: number }>(
      `select count(*) filter (where published_at is null)::int as pending, extract(epoch from clock_timestamp())::float8 * 1000 as now_ms
       from outbox_events where id between $1 and $2`,
      [rows.firstId, rows.lastId],
    );
    return found[0] ?? { pending: rows.count, now_ms: Number.NaN };
  };
  return eventually(marked, (seen) => seen.pending === 0 || !routed, {
    timeoutMs: 10_000,
    intervalMs: 20,
    what: 'published rows to be marked',
    signal,
  });
}

/** The workers start behind an EXCLUSIVE lock on outbox_events: their first claims wait, so all begin at its release. */
async function drainWithWorkers(context: BenchContext, workers: number, rows: Preloaded) {
  const { system, databases, broker, signal } = context;
  const labels = Array.from({ length: workers }, (_, index) => `order_outbox_worker${index === 0 ? '' : `#${index + 1}`}`);
  const lock = await databases.order.connect();
  let startMs = Number.NaN;
  try {
    await lock.query('begin');
    await lock.query('lock table outbox_events in exclusive mode');
    await Promise.all(labels.map((label) => system.start('order_outbox_worker', signal, { label })));
    const { rows: now } = await lock.query<{ ms: number }>('select extract(epoch from clock_timestamp())::float8 * 1000 as ms');
    startMs = now[0]?.ms ?? Number.NaN;
    await lock.query('commit');
  } catch (error) {
    await lock.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    lock.release();
  }
  const final = await waitForDrain(context, workers, rows);
  const metrics = await Promise.all(labels.map((label) => scrapeMetrics(system.metricsPort(label))));
  await Promise.all(labels.map((label) => system.stop(label)));
  const batchMeans = metrics.flatMap((series) => histogramMean(series, 'outbox_batch_duration_seconds') ?? []);
  // The largest worker's resident memory and V8 heap right after the drain, in MB.
  const largest = (name: string) => Math.max(...metrics.flatMap((series) => series.get(name) ?? [])) / (1024 * 1024);
  const [published, seconds] = [rows.count - final.pending, (final.now_ms - startMs) / 1000];
  return {
    workers,
    published,
    seconds,
    rate: published / seconds,
    complete: final.pending === 0,
    routed: await broker.queueDepth(),
    meanBatchMs: (batchMeans.reduce((total, mean) => total + mean, 0) / batchMeans.length) * 1000,
    batches: metrics.reduce((total, series) => total + (series.get('outbox_batch_duration_seconds_count') ?? 0), 0),
    rssMb: largest('process_resident_memory_bytes'),
    heapTotalMb: largest('nodejs_heap_size_total_bytes'),
  };
}
type WorkerDrain = Awaited<ReturnType<typeof drainWithWorkers>>;

export const outboxDrainStep: BenchStep = {
  id: 'outbox-drain',
  title: 'outbox drain',
  figures: [
    figure('outbox.one-worker', 'Outbox drain, one worker', 'msg/s', 'plain amqplib publish with confirms', ratioAtLeast(0.5)),
    figure('outbox.two-workers', 'Outbox drain, two workers', 'msg/s', 'plain amqplib publish with confirms', ratioAtLeast(0.5)),
  ],

  async run(context: BenchContext): Promise<StepResult> {
    const { system, broker, signal, tuning } = context;
    const count = context.settings.outboxDrain.rows;
    const window = tuning.outboxBatchSize * tuning.outboxConcurrency;
    // The consumer declares the queue; then it and the worker stop, so the queue only fills.
    await system.ensureStandard(signal);
    await context.drained();
    await system.stopRole('order_created_consumer');
    await system.stopRole('order_outbox_worker');
    await broker.purge();
    const first = await preload(context, count, SYNTHETIC_ORDER_ID_BASE);
    const baseline = await publishBaseline(context, first, window);
    const one = await drainWithWorkers(context, 1, first);
    await broker.purge();
    const two = await drainWithWorkers(context, 2, await preload(context, count, SYNTHETIC_ORDER_ID_BASE + count));
    await broker.purge();
    await system.ensureStandard(signal);

    const measured = (drain: WorkerDrain) => ({
      value: drain.rate,
      baseline: baseline.rate,
      ...(drain.complete ? {} : { note: `deadline reached: rate over ${drain.published} rows` }),
    });
    const drainRow = (drain: WorkerDrain) => [
      `${drain.workers} worker(s)`,
      fixed(drain.rate),
      fixed(drain.seconds, 2),
      fixed(drain.meanBatchMs, 1),
      drain.batches,
      `${fixed(drain.rssMb)} / ${fixed(drain.heapTotalMb)}`,
      drain.complete && drain.routed === count ? 'all routed once' : `${drain.published} published, ${drain.routed} in the queue`,
    ];
    context.progress.end(`${fixed(one.rate)} msg/s with one worker, ${fixed(two.rate)} with two, baseline ${fixed(baseline.rate)}`);
    return {
      measured: { 'outbox.one-worker': measured(one), 'outbox.two-workers': measured(two) },
      details: { rows: count, window, baseline, oneWorker: one, twoWorkers: two },
      markdown: [
        `Load: ${thousands(count)} due rows preloaded into outbox_events, consumer stopped so the queue only fills; worker batch ` +
          `${tuning.outboxBatchSize}, ${tuning.outboxConcurrency} batches in flight. Timed on PostgreSQL's clock from the release of a ` +
          'lock the workers start behind to the last row marked published. Baseline: the same messages (body, properties, persistent, ' +
          `mandatory, same exchange and quorum queue) through plain amqplib on one confirm channel, at most ${window} unconfirmed.`,
        '',
        ...table('run | msg/s: | seconds: | mean batch ms: | batches: | worker RSS / heap MB after: | check', [
          [
            'plain publish baseline',
            fixed(baseline.rate),
            fixed(baseline.seconds, 2),
            '—',
            '—',
            '—',
            `${baseline.routed} routed, ${baseline.returned} returned, ${baseline.nacked} nacked`,
          ],
          drainRow(one),
          drainRow(two),
        ]),
      ],
    };
  },
};
