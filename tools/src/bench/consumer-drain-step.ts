import type { BenchContext, BenchStep, StepResult } from './bench-step.js';
import { startNaiveConsumer } from './naive-consumer.js';
import { SYNTHETIC_ORDER_ID_BASE, syntheticOrderCreatedMessages } from './order-events.js';
import { histogramMean, scrapeMetrics } from './service-metrics.js';
import { eventually } from '@orders/test-support';

/** Window for preloading: fast, and not what is measured. */
const PRELOAD_WINDOW = 2_000;

interface Drain {
  applied: number;
  seconds: number;
  rate: number;
  complete: boolean;
}

interface Range {
  first: number;
  last: number;
}

async function preload(context: BenchContext, range: Range): Promise<void> {
  const count = range.last - range.first + 1;
  const messages = syntheticOrderCreatedMessages(count, range.first, context.customerIds);
  const report = await context.broker.publishWindowed(messages, PRELOAD_WINDOW, context.signal, (confirmed) =>
    context.progress.update(`preloading: ${confirmed.toLocaleString('en-US')}/${count.toLocaleString('en-US')} messages`),
  );
  const depth = await context.broker.waitForDepth(count, context.signal, 10_000);
  if (report.confirmed !== count || depth !== count) {
    throw new Error(`preloading ${count} messages left ${depth} in the queue (${report.confirmed} confirmed, ${report.returned} returned)`);
  }
}

/**
 * Timed on PostgreSQL's clock: from the first applied event's processed_at
 * (the start of the first transaction that applied anything) to the moment
 * the last one is visible. The queue is watched first because that costs the
 * database nothing while the consumer works.
 */
async function measureDrain(context: BenchContext, range: Range, label: string): Promise<Drain> {
  const { broker, databases, progress, signal } = context;
  const count = range.last - range.first + 1;
  const emptied = await eventually(
    () => broker.queueDepth(),
    (depth) => {
      progress.update(`${label}: ${(count - depth).toLocaleString('en-US')}/${count.toLocaleString('en-US')} delivered`);
      return depth === 0;
    },
    { timeoutMs: context.settings.consumerDrain.deadlineMs, intervalMs: 100, what: `${label} to take every message`, signal },
  ).then(
    () => true,
    () => {
      signal.throwIfAborted();
      // Deadline: the rate is taken over what was applied by then.
      return false;
    },
  );
  const final = await eventually(
    async () => {
      const { rows } = await databases.customer.query<{ applied: number; first_ms: number | null; now_ms: number }>(
        `select count(*)::int as applied,
                extract(epoch from min(processed_at))::float8 * 1000 as first_ms,
                extract(epoch from clock_timestamp())::float8 * 1000 as now_ms
         from processed_order_events where customer_id = any($1::bigint[]) and order_id between $2 and $3`,
        [context.customerIds, range.first, range.last],
      );
      return rows[0] ?? { applied: 0, first_ms: null, now_ms: Number.NaN };
    },
    (seen) => seen.applied === count || !emptied,
    { timeoutMs: 15_000, intervalMs: 20, what: `${label} to apply every event`, signal },
  );
  const seconds = (final.now_ms - (final.first_ms ?? final.now_ms)) / 1000;
  return { applied: final.applied, seconds, rate: final.applied / seconds, complete: final.applied === count };
}

/** Removes a run's inbox rows and takes their counts back, so the next run meets the same table. */
async function forget(context: BenchContext, range: Range): Promise<void> {
  await context.databases.customer.query(
    `with removed as (
       delete from processed_order_events
       where customer_id = any($1::bigint[]) and order_id between $2 and $3
       returning customer_id
     ), per_customer as (
       select customer_id, count(*)::int as n from removed group by customer_id
     )
     update customers c set orders_count = c.orders_count - p.n from per_customer p where c.id = p.customer_id`,
    [context.customerIds, range.first, range.last],
  );
  await context.databases.customer.query('vacuum analyze processed_order_events');
  await context.databases.customer.query('vacuum analyze customers');
}

export const consumerDrainStep: BenchStep = {
  id: 'consumer-drain',
  title: 'consumer drain',
  figures: [
    {
      id: 'consumer.drain',
      title: 'Consumer drain',
      unit: 'events/s',
      baselineLabel: 'one transaction per message, same prefetch',
      goal: { kind: 'ratio-at-least', ratio: 1.5 },
    },
  ],

  async run(context: BenchContext): Promise<StepResult> {
    const { system, broker, progress, signal, tuning, settings } = context;
    const count = settings.consumerDrain.messages;
    const poolSize = settings.consumerDrain.baselinePoolSize;
    await system.ensureStandard(signal);
    await context.backlog.waitUntilDrained(60_000, signal);
    await system.stopRole('order_created_consumer');
    await system.stopRole('order_outbox_worker');
    await broker.purge();

    const baselineRange = { first: SYNTHETIC_ORDER_ID_BASE + 10_000_000, last: SYNTHETIC_ORDER_ID_BASE + 10_000_000 + count - 1 };
    await preload(context, baselineRange);
    const naive = await startNaiveConsumer({ broker, customerUrl: context.databases.customerUrl, prefetch: tuning.consumerPrefetch, poolSize });
    let baseline: Drain;
    try {
      baseline = await measureDrain(context, baselineRange, 'baseline');
    } finally {
      await naive.stop();
    }
    await broker.purge();
    await forget(context, baselineRange);

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
    const megabytes = (name: string) => ((metrics.get(name) ?? Number.NaN) / (1024 * 1024)).toFixed(0);
    const notes = [
      real.complete ? '' : `consumer hit the deadline: rate over ${real.applied} events`,
      baseline.complete ? '' : `baseline hit the deadline: rate over ${baseline.applied} events`,
    ].filter((text) => text !== '');
    progress.end(`${real.rate.toFixed(0)} events/s vs ${baseline.rate.toFixed(0)} one transaction per message`);
    return {
      measured: { 'consumer.drain': { value: real.rate, baseline: baseline.rate, ...(notes.length > 0 ? { note: notes.join('; ') } : {}) } },
      details: { messages: count, prefetch: tuning.consumerPrefetch, baselinePoolSize: poolSize, baseline, consumer: real, meanBatch, meanBatchMs, deadLettered, baselineFailures: naive.failures() },
      markdown: [
        `${count.toLocaleString('en-US')} order.created messages (contract body and properties, spread over the ` +
          `${context.customerIds.length} seeded customers) are preloaded on the queue with the worker stopped; then the ` +
          `consumer drains them. Timed on PostgreSQL's clock from the first event's processed_at to the last one applied. ` +
          `The baseline drains its own ${count.toLocaleString('en-US')} messages with prefetch ${tuning.consumerPrefetch} (the ` +
          `consumer's) and one transaction per message (inbox insert, count update, commit, then ack) over ${poolSize} ` +
          'connections. Between the runs the inbox rows are deleted, the counts taken back and the tables vacuumed.',
        '',
        '| run | events/s | seconds | applied | notes |',
        '|---|---:|---:|---:|---|',
        `| consumer | ${real.rate.toFixed(0)} | ${real.seconds.toFixed(2)} | ${real.applied} | mean batch ${meanBatch?.toFixed(0) ?? '—'} events in ${Number.isFinite(meanBatchMs) ? meanBatchMs.toFixed(1) : '—'} ms; ${deadLettered} dead-lettered; RSS ${megabytes('process_resident_memory_bytes')} MB, heap ${megabytes('nodejs_heap_size_total_bytes')} MB after |`,
        `| one transaction per message | ${baseline.rate.toFixed(0)} | ${baseline.seconds.toFixed(2)} | ${baseline.applied} | ${baseline.complete ? 'complete' : 'deadline reached, rate over what was applied'} |`,
      ],
    };
  },
};
