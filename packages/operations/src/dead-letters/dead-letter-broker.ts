import type { MessagingTopology } from '@orders/contracts';
import type { QueuedMessage } from './dead-letter.js';

/** What the broker answered for one publish: only `confirmed` means RabbitMQ has the copy. */
export type PublishOutcome = 'confirmed' | 'rejected' | 'unconfirmed';

export interface PublishProperties {
  persistent: true;
  contentType?: string | undefined;
  messageId?: string | undefined;
  type?: string | undefined;
  timestamp?: number | undefined;
  headers: Record<string, unknown>;
}

export interface OutgoingCopy {
  exchange: string;
  routingKey: string;
  content: Buffer;
  properties: PublishProperties;
}

/** The channel operations a sweep of the dead-letter queue needs (an amqplib channel has them). */
export interface DeadLetterChannel {
  checkQueue(queue: string): Promise<{ messageCount: number }>;
  prefetch(count: number): Promise<unknown>;
  consume(queue: string, onMessage: (message: QueuedMessage | null) => void, options: { noAck: boolean }): Promise<{ consumerTag: string }>;
  cancel(consumerTag: string): Promise<unknown>;
  ack(message: QueuedMessage, allUpTo: boolean): void;
  nack(message: QueuedMessage, allUpTo: boolean, requeue: boolean): void;
  purgeQueue(queue: string): Promise<{ messageCount: number }>;
  close(): Promise<void>;
}

/** The broker as dead-letter operations see it: a channel to take messages with, and the confirmed publish. */
export interface DeadLetterBroker {
  topology: MessagingTopology;
  /** False while the connection is down: operations refuse to start rather than half-run. */
  isConnected(): boolean;
  openChannel(): Promise<DeadLetterChannel>;
  /** The confirmed, mandatory publish of service-kit's broker layer: one outcome per message, in order. */
  publish(messages: readonly OutgoingCopy[]): Promise<PublishOutcome[]>;
}

export class BrokerUnavailableError extends Error {
  override name = 'BrokerUnavailableError';
}

/** The queue is not there: nobody declared it yet (the consumer does, at its start). */
export class QueueNotDeclaredError extends Error {
  override name = 'QueueNotDeclaredError';
  constructor(readonly queue: string) {
    super(`queue ${queue} does not exist yet; start order_created_consumer, which declares it`);
  }
}

/** checkQueue, with the broker's 404 said as what it means. */
export async function checkDeclaredQueue(channel: DeadLetterChannel, queue: string): Promise<{ messageCount: number }> {
  try {
    return await channel.checkQueue(queue);
  } catch (error) {
    if ((error as { code?: unknown }).code === 404) throw new QueueNotDeclaredError(queue);
    throw error;
  }
}
