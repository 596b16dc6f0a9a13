import { eventually, histogramMean, scrapeMetrics } from '@orders/test-support';
import type { BenchContext, BenchStep, StepResult } from './bench-step.js';
import { figure, ratioAtLeast } from './figures.js';
import { fixed, table, thousands } from './markdown-table.js';
import { startNaiveConsumer } from './naive-consumer.js';
import { SYNTHETIC_ORDER_ID_BASE, syntheticOrderCreatedMessages } from './order-events.js';

/** Window for preloading: fast, and not what is measured. */
const PRELOAD_WINDOW = 2_000;

type Range = { first: number; last: number };
const sizeOf = (range: Range) => range.last - range.first + 1;

async function preload(context: BenchContext, range: Range): Promise<void> {
  const count = sizeOf(range);
  const messages = syntheticOrderCreatedMessages(count, range.first, context.customerIds);
  const report = await context.broker.publishWindowed(messages, PRELOAD_WINDOW, context.signal, (confirmed) =>
    context.progress.update(`preloading: ${thousands(confirmed)}/${thousands(count)} messages`),
  );
  const depth = await context.broker.waitForDepth(count, context.signal, 10_000);
  if (report.confirmed !== count || depth !== count) {
    throw new Error(`preloading ${count} messages left ${depth} in the queue (${report.confirmed} confirmed, ${report.returned} returned)`);
  }
}

/** The queue is watched first: that costs the database nothing while the consumer works. */
async function measureDrain(context: BenchContext, range: Range, label: string) {
  const { broker, databases, progress, signal } = context;
  const count = sizeOf(range);
  const taken = (depth: number) => {
    progress.update(`${label}: ${thousands(count - depth)}/${thousands(count)} delivered`);
    return depth === 0;
  };
  // Past the deadline the rate is taken over what was applied by then.
  const emptied = await broker.watchDepth(taken, {
    timeoutMs: context.settings.consumerDrain.deadlineMs,
    intervalMs: 100,
    what: `${label} to take every message`,
    signal,
  });
  const applied = async () =>
    (
      await databases.customer.query<{ applied: number; first_ms: number | null; now_ms: number }>(
        `select count(*)::int as applied, extract(epoch from min(processed_at))::float8 * 1000 as first_ms,
                extract(epoch from clock_timestamp())::float8 * 1000 as now_ms
         from processed_order_events where customer_id = any($1::bigint[]) and order_id between $2 and $3`,
        [context.customerIds, range.first, range.last],
      )
    ).rows[0] ?? { applied: 0, first_ms: null, now_ms: Number.NaN };
  const final = await eventually(applied, (seen) => seen.applied === count || !emptied, {
    timeoutMs: 15_000,
    intervalMs: 20,
    what: `${label} to apply every event`,
    signal,
  });
  const seconds = (final.now_ms - (final.first_ms ?? final.now_ms)) / 1000;
  return { applied: final.applied, seconds, rate: final.applied / seconds, complete: final.applied === count };
}

/** Removes a run's inbox rows and takes their counts back, so the next run meets the same table. */
async function forget(context: BenchContext, range: Range): Promise<void> {
  await context.databases.customer.query(
    `with removed as (
       delete from processed_order_events where customer_id = any($1::bigint[]) and order_id between $2 and $3 returning customer_id
     ), per_customer as (
       select customer_id, count(*)::int as n from removed group by customer_id
     )
     update customers c set orders_count = c.orders_count - p.n from per_customer p where c.id = p.customer_id`,
    [context.customerIds, range.first, range.last],
  );
  await context.databases.customer.query('vacuum analyze processed_order_events');
  await context.databases.customer.query('vacuum analyze customers');
}

/** The baseline drains its own messages with the consumer's prefetch, one transaction per message. */
async function drainWithBaseline(context: BenchContext, range: Range) {
  await preload(context, range);
  const naive = await startNaiveConsumer(
    context.broker,
    context.databases.customerUrl,
    context.tuning.consumerPrefetch,
    context.settings.consumerDrain.baselinePoolSize,
  );
  let drain;
  try {
    drain = await measureDrain(context, range, 'baseline');
  } finally {
    await naive.stop();
  }
  await context.broker.purge();
  await forget(context, range);
  return { ...drain, failures: naive.failures() };
}

export const consumerDrainStep: BenchStep = {
  id: 'consumer-drain',
  title: 'consumer drain',
  figures: [figure('consumer.drain', 'Consumer drain', 'events/s', 'one transaction per message, same prefetch', ratioAtLeast(1.5))],

  async run(context: BenchContext): Promise<StepResult> {
    const { system, broker, progress, signal, tuning, settings } = context;
    const count = settings.consumerDrain.messages;
    const poolSize = settings.consumerDrain.baselinePoolSize;
    await system.ensureStandard(signal);
    await context.drained();
    await system.stopRole('order_created_consumer');
    await system.stopRole('order_outbox_worker');
    await broker.purge();

    const first = SYNTHETIC_ORDER_ID_BASE + 10_000_000;
    const baselineRange = { first, last: first + count - 1 };
    const { failures: baselineFailures, ...baseline } = await drainWithBaseline(context, baselineRange);
    const realRange = { first: baselineRange.last + 1, last: baselineRange.last + count };
    await preload(context, realRange);
    const consumer = await system.start('order_created_consumer', signal);
    const real = await measureDrain(context, realRange, 'consumer');
    const metrics = await scrapeMetrics(consumer.healthPort);
    await forget(context, realRange);
    const deadLettered = await broker.deadLetterDepth();
    await broker.purge();
    await system.ensureStandard(signal);

    const meanBatch = histogramMean(metrics, 'order_events_batch_size');
    const meanBatchMs = (histogramMean(metrics, 'order_events_batch_duration_seconds') ?? Number.NaN) * 1000;
    const megabytes = (name: string) => fixed((metrics.get(name) ?? Number.NaN) / (1024 * 1024));
    const notes: string[] = [];
    if (!real.complete) notes.push(`consumer hit the deadline: rate over ${real.applied} events`);
    if (!baseline.complete) notes.push(`baseline hit the deadline: rate over ${baseline.applied} events`);
    const note = notes.join('; ');
    progress.end(`${fixed(real.rate)} events/s vs ${fixed(baseline.rate)} one transaction per message`);
    const consumerNotes =
      `mean batch ${fixed(meanBatch)} events in ${fixed(meanBatchMs, 1)} ms; ${deadLettered} dead-lettered; ` +
      `RSS ${megabytes('process_resident_memory_bytes')} MB, heap ${megabytes('nodejs_heap_size_total_bytes')} MB after`;
    return {
      measured: { 'consumer.drain': { value: real.rate, baseline: baseline.rate, ...(note === '' ? {} : { note }) } },
      details: {
        messages: count,
        prefetch: tuning.consumerPrefetch,
        baselinePoolSize: poolSize,
        baseline,
        consumer: real,
        meanBatch,
        meanBatchMs,
        deadLettered,
        baselineFailures,
      },
      markdown: [
        `Load: ${thousands(count)} order.created messages (contract body and properties, over the ${context.customerIds.length} ` +
          "seeded customers) preloaded with the worker stopped, then drained. Timed on PostgreSQL's clock from the first event's " +
          `processed_at to the last one applied. Baseline: its own ${thousands(count)} messages, prefetch ${tuning.consumerPrefetch} ` +
          `(the consumer's), one transaction per message (inbox insert, count update, commit, then ack) over ${poolSize} connections. ` +
          'Between runs the inbox rows are deleted, the counts taken back and the tables vacuumed.',
        '',
        ...table('run | events/s: | seconds: | applied: | notes', [
          ['consumer', fixed(real.rate), fixed(real.seconds, 2), real.applied, consumerNotes],
          [
            'one transaction per message',
            fixed(baseline.rate),
            fixed(baseline.seconds, 2),
            baseline.applied,
            baseline.complete ? 'complete' : 'deadline reached, rate over what was applied',
          ],
        ]),
      ],
    };
  },
};
