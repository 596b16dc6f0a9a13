import { eventually, histogramMean, scrapeMetrics } from '@orders/test-support';
import { round, type BenchContext, type BenchStep } from './bench-step.js';
import { figuresOf } from './figures.js';
import { startNaiveConsumer } from './naive-consumer.js';
import { SYNTHETIC_ORDER_ID_BASE, syntheticOrderCreatedMessages } from './order-events.js';

const IN_RANGE = 'from processed_order_events where customer_id = any($1::bigint[]) and order_id between $2 and $3';
const APPLIED = `select count(*)::int as applied, extract(epoch from clock_timestamp() - min(processed_at))::float8 as seconds ${IN_RANGE}`;
/** A run's inbox rows deleted and their counts taken back, so the next run meets the same tables. */
const FORGET = `with removed as (delete ${IN_RANGE} returning customer_id),
  per_customer as (select customer_id, count(*)::int as n from removed group by customer_id)
  update customers c set orders_count = c.orders_count - p.n from per_customer p where c.id = p.customer_id`;

/** `count` messages with order ids from `first` on the queue, published 2,000 unconfirmed at a time: fast, and not what is measured. */
async function preload({ broker, customerIds, signal }: BenchContext, first: number, count: number): Promise<void> {
  const report = await broker.publishWindowed(syntheticOrderCreatedMessages(count, first, customerIds), 2_000, signal);
  await broker.watchDepth((depth) => depth === count, 10_000, signal, 50);
  const depth = await broker.queueDepth();
  if (report.confirmed !== count || depth !== count) {
    throw new Error(`preloading ${count} messages left ${depth} in the queue (${report.confirmed} confirmed, ${report.returned} returned)`);
  }
}

/** The queue is watched first (free for the database), then the applied rows, on PostgreSQL's clock; past the deadline, over what was applied. */
async function drain(context: BenchContext, first: number, count: number) {
  const { broker, databases, customerIds, signal } = context;
  const emptied = await broker.watchDepth((depth) => depth === 0, context.settings.consumerDrain.deadlineMs, signal);
  const values = [customerIds, first, first + count - 1];
  const applied = async () => (await databases.customer.query<{ applied: number; seconds: number | null }>(APPLIED, values)).rows[0];
  const final = await eventually(applied, (seen) => seen?.applied === count || !emptied, { timeoutMs: 15_000, intervalMs: 20, signal });
  await databases.customer.query(FORGET, values);
  await databases.customer.query('vacuum analyze processed_order_events');
  await databases.customer.query('vacuum analyze customers');
  const [events, seconds] = [final?.applied ?? 0, final?.seconds ?? Number.NaN];
  return { applied: events, seconds, rate: events / seconds };
}

export const consumerDrainStep: BenchStep = {
  id: 'consumer-drain',
  title: 'consumer drain',
  figures: figuresOf('consumer-drain'),

  async run(context) {
    const { system, broker, signal, tuning, databases } = context;
    const { messages: count, baselinePoolSize: poolSize } = context.settings.consumerDrain;
    await system.ensureStandard(signal);
    await context.drained();
    await system.stopRole('order_created_consumer');
    await system.stopRole('order_outbox_worker');
    await broker.purge();
    // The baseline drains messages of its own, with the consumer's prefetch.
    const first = SYNTHETIC_ORDER_ID_BASE + 10_000_000;
    await preload(context, first, count);
    const stopNaive = await startNaiveConsumer(broker, databases.customerUrl, tuning.consumerPrefetch, poolSize);
    const baseline = await drain(context, first, count).finally(stopNaive);
    await broker.purge();
    await preload(context, first + count, count);
    const consumer = await system.start('order_created_consumer', signal);
    const real = await drain(context, first + count, count);
    const metrics = await scrapeMetrics(consumer.healthPort);
    const deadLettered = await broker.deadLetterDepth();
    await broker.purge();
    await system.ensureStandard(signal);
    const meanBatchMs = (histogramMean(metrics, 'order_events_batch_duration_seconds') ?? Number.NaN) * 1000;
    const short = (run: typeof real, who: string) =>
      run.applied === count ? [] : [`${who} hit the deadline: rate over ${run.applied} events`];
    const notes = [...short(real, 'consumer'), ...short(baseline, 'baseline')];
    const row = (run: string, { rate, seconds, applied }: typeof real) => ({
      run,
      'events/s': round(rate),
      seconds: round(seconds, 2),
      applied,
    });
    return {
      measured: {
        'consumer.drain': { value: real.rate, baseline: baseline.rate, ...(notes.length === 0 ? {} : { note: notes.join('; ') }) },
      },
      method:
        `${count.toLocaleString('en-US')} order.created messages (contract body and properties) preloaded with the worker stopped, then ` +
        "drained; timed on PostgreSQL's clock from the first event's processed_at to the last one applied. Baseline: messages of its own, " +
        `prefetch ${tuning.consumerPrefetch} (the consumer's), one transaction per message (inbox insert, count update, commit, then ack) ` +
        `over ${poolSize} connections. Between runs the inbox rows are deleted, the counts taken back and the tables vacuumed.`,
      rows: [
        {
          ...row('consumer', real),
          'mean batch': round(histogramMean(metrics, 'order_events_batch_size')),
          'batch ms': round(meanBatchMs, 1),
        },
        { ...row('one transaction per message', baseline), 'mean batch': 1, 'batch ms': null },
      ],
      notes: [`Dead-lettered: ${deadLettered}.`],
    };
  },
};
