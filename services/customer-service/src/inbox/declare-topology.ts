import type { Channel } from '@orders/service-kit/broker';
import type { MessagingTopology } from '@orders/contracts';

/**
 * Redeliveries the queue allows before the broker itself dead-letters a
 * message. It catches what the consumer cannot: a message that kills the
 * consumer process every time it is delivered.
 */
export const DELIVERY_LIMIT = 20;

/**
 * The consumer's side of the contract, declared idempotently on every connect:
 * the durable quorum queue bound to orders.v1 / order.created, and the
 * dead-letter exchange and queue where unusable messages end up.
 */
export async function declareOrderCreatedTopology(channel: Channel, topology: MessagingTopology): Promise<void> {
  await channel.assertExchange(topology.exchange, 'topic', { durable: true });
  await channel.assertExchange(topology.deadLetterExchange, 'fanout', { durable: true });
  await channel.assertQueue(topology.deadLetterQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(topology.deadLetterQueue, topology.deadLetterExchange, '');
  await channel.assertQueue(topology.queue, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-delivery-limit': DELIVERY_LIMIT,
      'x-dead-letter-exchange': topology.deadLetterExchange,
      // Broker-side dead-lettering confirmed by the dead-letter queue, so a
      // message over the delivery limit is moved, never dropped.
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    },
  });
  await channel.bindQueue(topology.queue, topology.exchange, topology.routingKey);
}
