import type { MessagingTopology } from '@orders/contracts';
import type { Logger } from '@orders/service-kit';
import { createConfirmedPublisher, type ConfirmedPublisher } from '@orders/service-kit/broker';

/**
 * The worker's confirmed, mandatory publisher to the orders exchange, which it
 * declares on every channel so a fresh broker (or a fresh node) takes events
 * at once. Routing to the consumer's queue is the consumer's declaration; a
 * publish that finds no queue bound comes back rejected.
 */
export function createEventPublisher(options: { topology: MessagingTopology; confirmTimeoutMs: number; logger: Logger }): ConfirmedPublisher {
  return createConfirmedPublisher({
    logger: options.logger,
    confirmTimeoutMs: options.confirmTimeoutMs,
    purpose: 'outbox publish',
    prepare: async (channel) => {
      await channel.assertExchange(options.topology.exchange, 'topic', { durable: true });
    },
  });
}
