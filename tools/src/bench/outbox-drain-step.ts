import { orderCreatedJsonbSql, type OrderCreatedV1 } from '@orders/contracts';
import { eventually, histogramMean, scrapeMetrics } from '@orders/test-support';
import { round, type BenchContext, type BenchStep } from './bench-step.js';
import { figuresOf } from './figures.js';
import { orderCreatedMessage, SYNTHETIC_ORDER_ID_BASE } from './order-events.js';

type Preloaded = { firstId: number; lastId: number; count: number };

/** Due outbox rows in one statement, with the contract's payload as Order Service writes it, for made-up orders. */
const PRELOAD = `with inserted as (
    insert into outbox_events (event_id, event_type, aggregate_id, payload)
    select event_id, 'order.created', $2::bigint + g, ${orderCreatedJsonbSql({
      event_id: 'event_id::text',
      occurred_at: `to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
      order_id: '$2::bigint + g',
      customer_id: '($3::bigint[])[1 + g % cardinality($3::bigint[])]',
      product_name: "'Bench widget'",
      quantity: '1 + g % 5',
      price: '9.99',
      status: "'pending'",
    })}
    from (select g, gen_random_uuid() as event_id from generate_series(1, $1::int) as g) generated
    returning id
  )
  select min(id)::float8 as "firstId", max(id)::float8 as "lastId", count(*)::int as count from inserted`;
const NOW_MS = 'extract(epoch from clock_timestamp())::float8 * 1000';
const PENDING = `select count(*) filter (where published_at is null)::int as pending, ${NOW_MS} as now_ms from outbox_events where id between $1 and $2`;

/** Then VACUUM ANALYZE, so every run starts from a table without dead tuples. */
async function preload({ databases, settings, customerIds }: BenchContext, orderIdBase: number): Promise<Preloaded> {
  const { rows } = await databases.order.query<Preloaded>(PRELOAD, [settings.outboxDrain.rows, orderIdBase, customerIds]);
  await databases.order.query('vacuum analyze outbox_events');
  if (rows[0] === undefined) throw new Error('preloading outbox rows returned nothing');
  return rows[0];
}

/** The plain publish baseline, over the very messages (body and properties) the worker would send for these rows. */
async function publishBaseline({ databases, broker, signal }: BenchContext, rows: Preloaded, window: number) {
  const sql = 'select payload, traceparent from outbox_events where id between $1 and $2 order by id';
  const found = await databases.order.query<{ payload: OrderCreatedV1; traceparent: string | null }>(sql, [rows.firstId, rows.lastId]);
  const report = await broker.publishWindowed(
    found.rows.map((row) => orderCreatedMessage(row.payload, row.traceparent)),
    window,
    signal,
  );
  // A confirm does not promise the queue's count shows the message yet.
  await broker.watchDepth((depth) => depth === rows.count, 5_000, signal, 50);
  const routed = await broker.queueDepth();
  await broker.purge();
  return { ...report, routed };
}

/** The workers start behind an EXCLUSIVE lock on outbox_events, so their first claims wait and all begin at its release. */
async function startBehindLock({ system, databases, signal }: BenchContext, labels: string[]): Promise<number> {
  const lock = await databases.order.connect();
  try {
    await lock.query('begin');
    await lock.query('lock table outbox_events in exclusive mode');
    await Promise.all(labels.map((label) => system.start('order_outbox_worker', signal, { label })));
    const { rows } = await lock.query<{ ms: number }>(`select ${NOW_MS} as ms`);
    await lock.query('commit');
    return rows[0]?.ms ?? Number.NaN;
  } catch (error) {
    await lock.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    lock.release();
  }
}

/** Timed on PostgreSQL's clock to the last row marked published; the queue is watched first (free to poll), past the deadline over what was published. */
async function drainWithWorkers(context: BenchContext, workers: number, rows: Preloaded) {
  const { system, databases, broker, signal } = context;
  const labels = Array.from({ length: workers }, (_, index) => `order_outbox_worker${index === 0 ? '' : `#${index + 1}`}`);
  const startMs = await startBehindLock(context, labels);
  const routed = await broker.watchDepth((depth) => depth >= rows.count, context.settings.outboxDrain.deadlineMs, signal);
  const marked = async () =>
    (await databases.order.query<{ pending: number; now_ms: number }>(PENDING, [rows.firstId, rows.lastId])).rows[0];
  const final = await eventually(marked, (seen) => seen?.pending === 0 || !routed, { timeoutMs: 10_000, intervalMs: 20, signal });
  const metrics = await Promise.all(labels.map((label) => scrapeMetrics(system.metricsPort(label))));
  await Promise.all(labels.map((label) => system.stop(label)));
  const published = rows.count - (final?.pending ?? rows.count);
  const seconds = ((final?.now_ms ?? Number.NaN) - startMs) / 1000;
  const batchMeans = metrics.flatMap((series) => histogramMean(series, 'outbox_batch_duration_seconds') ?? []);
  const batches = metrics.reduce((total, series) => total + (series.get('outbox_batch_duration_seconds_count') ?? 0), 0);
  const meanBatchMs = (batchMeans.reduce((total, mean) => total + mean, 0) / batchMeans.length) * 1000;
  return { workers, published, seconds, rate: published / seconds, inQueue: await broker.queueDepth(), batches, meanBatchMs };
}

export const outboxDrainStep: BenchStep = {
  id: 'outbox-drain',
  title: 'outbox drain',
  figures: figuresOf('outbox-drain'),

  async run(context) {
    const { system, broker, signal, tuning } = context;
    const count = context.settings.outboxDrain.rows;
    const window = tuning.outboxBatchSize * tuning.outboxConcurrency;
    // The consumer declares the queue; then it and the worker stop, so the queue only fills.
    await system.ensureStandard(signal);
    await context.drained();
    await system.stopRole('order_created_consumer');
    await system.stopRole('order_outbox_worker');
    await broker.purge();
    const first = await preload(context, SYNTHETIC_ORDER_ID_BASE);
    const baseline = await publishBaseline(context, first, window);
    const one = await drainWithWorkers(context, 1, first);
    await broker.purge();
    const two = await drainWithWorkers(context, 2, await preload(context, SYNTHETIC_ORDER_ID_BASE + count));
    await broker.purge();
    await system.ensureStandard(signal);
    const measured = ({ rate, published }: typeof one) => ({
      value: rate,
      baseline: baseline.rate,
      ...(published === count ? {} : { note: `deadline reached: rate over ${published} rows` }),
    });
    const drainRow = ({ workers, rate, seconds, meanBatchMs, batches, published, inQueue }: typeof one) => ({
      run: `${workers} worker(s)`,
      'msg/s': round(rate),
      seconds: round(seconds, 2),
      'mean batch ms': round(meanBatchMs, 1),
      batches,
      check: published === count && inQueue === count ? 'all routed once' : `${published} published, ${inQueue} in the queue`,
    });
    const baselineCheck = `${baseline.routed} routed, ${baseline.returned} returned, ${baseline.nacked} nacked`;
    return {
      measured: { 'outbox.one-worker': measured(one), 'outbox.two-workers': measured(two) },
      method:
        `${count.toLocaleString('en-US')} due rows preloaded into outbox_events, consumer stopped so the queue only fills; worker batch ` +
        `${tuning.outboxBatchSize}, ${tuning.outboxConcurrency} batches in flight. Timed on PostgreSQL's clock from the release of a lock the ` +
        'workers start behind to the last row marked published. Baseline: the same messages (body, properties, persistent, mandatory, same ' +
        `exchange and quorum queue) through plain amqplib on one confirm channel, at most ${window} unconfirmed.`,
      rows: [
        {
          run: 'plain publish baseline',
          'msg/s': round(baseline.rate),
          seconds: round(baseline.seconds, 2),
          'mean batch ms': null,
          batches: null,
          check: baselineCheck,
        },
        drainRow(one),
        drainRow(two),
      ],
    };
  },
};
