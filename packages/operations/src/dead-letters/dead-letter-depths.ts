import { BrokerUnavailableError, checkDeclaredQueue, type DeadLetterBroker } from './dead-letter-broker.js';

export interface QueueDepths {
  /** Ready messages waiting for the consumer. */
  queue: number;
  deadLetters: number;
}

/** How deep the order.created queue and its dead-letter queue are, without touching a message. */
export async function readQueueDepths(broker: DeadLetterBroker): Promise<QueueDepths> {
  if (!broker.isConnected()) throw new BrokerUnavailableError('RabbitMQ is not connected');
  const channel = await broker.openChannel();
  try {
    const queue = await checkDeclaredQueue(channel, broker.topology.queue);
    const deadLetters = await checkDeclaredQueue(channel, broker.topology.deadLetterQueue);
    return { queue: queue.messageCount, deadLetters: deadLetters.messageCount };
  } finally {
    await channel.close().catch(() => undefined);
  }
}
