import type { OrderCreatedV1 } from '@orders/contracts';
import type { ConsumeMessage } from '@orders/service-kit/broker';
import type { BenchBroker } from './bench-broker.js';
import { openPool } from '@orders/test-support';

const INSERT_EVENT =
  'insert into processed_order_events (event_id, order_id, customer_id, occurred_at) values ($1, $2, $3, $4) on conflict (event_id) do nothing';
const COUNT_ORDER = 'update customers set orders_count = orders_count + 1, updated_at = now() where id = $1';

/**
 * The consumer baseline: the straightforward design, one transaction per
 * message (inbox insert, the count update when the insert was new, commit,
 * then ack). Same queue and prefetch as the real consumer; what it lacks is
 * batching.
 */
export async function startNaiveConsumer(broker: BenchBroker, customerUrl: string, prefetch: number, poolSize: number) {
  const pool = openPool(customerUrl, poolSize, 'orders-bench:naive-consumer');
  const channel = await broker.createChannel();
  channel.on('error', () => undefined);
  await channel.prefetch(prefetch);
  const inFlight = new Set<Promise<void>>();
  const apply = async (message: ConsumeMessage) => {
    const event = JSON.parse(message.content.toString('utf8')) as OrderCreatedV1;
    const client = await pool.connect();
    try {
      await client.query('begin');
      const inserted = await client.query(INSERT_EVENT, [event.event_id, event.order_id, event.customer_id, event.occurred_at]);
      if (inserted.rowCount === 1) await client.query(COUNT_ORDER, [event.customer_id]);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  };
  // A settle on a channel closed while stopping throws: the broker redelivers, and the bench purges.
  const settle = (message: ConsumeMessage, applied: boolean) => {
    try {
      if (applied) channel.ack(message);
      else channel.nack(message, false, true);
    } catch {
      // Closed meanwhile.
    }
  };
  const { consumerTag } = await channel.consume(broker.topology.queue, (message) => {
    if (message === null) return;
    const work: Promise<void> = apply(message).then(
      () => settle(message, true),
      () => settle(message, false),
    );
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  return async function stop(): Promise<void> {
    await channel.cancel(consumerTag).catch(() => undefined);
    await Promise.allSettled([...inFlight]);
    await channel.close().catch(() => undefined);
    await pool.end();
  };
}
