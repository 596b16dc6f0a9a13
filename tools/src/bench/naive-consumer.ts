import type { OrderCreatedV1 } from '@orders/contracts';
import type { ConsumeMessage } from '@orders/service-kit/broker';
import type { BenchBroker } from './bench-broker.js';
import { openPool } from './bench-databases.js';

/**
 * The consumer baseline: the straightforward design, one transaction per
 * message (inbox insert, and the count update when the insert was new), the
 * message acked after the commit. Same queue and prefetch as the real
 * consumer; what it lacks is batching.
 */
export async function startNaiveConsumer(broker: BenchBroker, customerUrl: string, prefetch: number, poolSize: number) {
  const pool = openPool(customerUrl, poolSize, 'orders-bench:naive-consumer');
  const channel = await broker.createChannel();
  channel.on('error', () => undefined);
  await channel.prefetch(prefetch);
  const inFlight = new Set<Promise<void>>();
  let failures = 0;

  async function applyOne(message: ConsumeMessage): Promise<void> {
    const event = JSON.parse(message.content.toString('utf8')) as OrderCreatedV1;
    const client = await pool.connect();
    try {
      await client.query('begin');
      const inserted = await client.query(
        'insert into processed_order_events (event_id, order_id, customer_id, occurred_at) values ($1, $2, $3, $4) on conflict (event_id) do nothing',
        [event.event_id, event.order_id, event.customer_id, event.occurred_at],
      );
      if (inserted.rowCount === 1) {
        await client.query('update customers set orders_count = orders_count + 1, updated_at = now() where id = $1', [event.customer_id]);
      }
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  function settle(message: ConsumeMessage, applied: boolean): void {
    try {
      if (applied) channel.ack(message);
      else channel.nack(message, false, true);
    } catch {
      // The channel closed while stopping: the broker redelivers, and the bench purges.
    }
  }

  const { consumerTag } = await channel.consume(broker.topology.queue, (message) => {
    if (message === null) return;
    const failed = () => {
      failures += 1;
      settle(message, false);
    };
    const work: Promise<void> = applyOne(message)
      .then(() => settle(message, true), failed)
      .finally(() => inFlight.delete(work));
    inFlight.add(work);
  });

  return {
    failures: () => failures,
    async stop(): Promise<void> {
      await channel.cancel(consumerTag).catch(() => undefined);
      await Promise.allSettled([...inFlight]);
      await channel.close().catch(() => undefined);
      await pool.end();
    },
  };
}
