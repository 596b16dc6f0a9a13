import amqp, { type Channel } from 'amqplib';
import type { MessagingTopology } from '@orders/contracts';

/** Deletes what a run declared on the broker; each on its own channel, since a failure closes a channel. */
export async function deleteTopology(url: string, topology: MessagingTopology): Promise<void> {
  const connection = await amqp.connect(url, { clientProperties: { connection_name: 'orders-test-support:cleanup' } });
  connection.on('error', () => undefined);
  try {
    const removals: ((channel: Channel) => Promise<unknown>)[] = [
      (channel) => channel.deleteQueue(topology.queue),
      (channel) => channel.deleteQueue(topology.deadLetterQueue),
      (channel) => channel.deleteExchange(topology.exchange),
      (channel) => channel.deleteExchange(topology.deadLetterExchange),
    ];
    for (const remove of removals) {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      try {
        await remove(channel);
        await channel.close();
      } catch {
        // Already gone: nothing to clean.
      }
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}
