import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { MessagingTopology, OrderCreatedMessageProperties } from '@orders/contracts';
import type { Logger } from '@orders/service-kit';

export interface OutgoingMessage {
  messageId: string;
  body: Buffer;
  properties: OrderCreatedMessageProperties;
}

/**
 * confirmed: the broker took responsibility for it (routed to a queue).
 * rejected: the broker refused it (nack, or returned as unroutable): this
 * message's fault or the topology's, so it costs the row an attempt.
 * unconfirmed: the channel closed or no confirm came in time: nobody knows,
 * so the row stays due without losing an attempt and is published again.
 */
export type PublishOutcome = { status: 'confirmed' } | { status: 'rejected'; error: string } | { status: 'unconfirmed'; error: string };

/**
 * Publishes on a confirm channel with the mandatory flag: a message counts as
 * published only when the broker confirmed it AND did not return it as
 * unroutable (RabbitMQ sends basic.return before the ack of the same message).
 * Every message of a batch is written before any confirm is awaited, so the
 * whole batch is one window of confirms in flight.
 */
export function createEventPublisher(options: { topology: MessagingTopology; confirmTimeoutMs: number; logger: Logger }) {
  const { topology, logger } = options;
  let channel: ConfirmChannel | undefined;
  let readyWaiters: Array<() => void> = [];
  const returned = new Set<string>();

  function setReady(next: ConfirmChannel | undefined): void {
    channel = next;
    if (next !== undefined) {
      const waiters = readyWaiters;
      readyWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  async function openChannel(model: ChannelModel): Promise<void> {
    const opened = await model.createConfirmChannel();
    await opened.assertExchange(topology.exchange, 'topic', { durable: true });
    opened.on('return', (message: ConsumeMessage) => {
      const id: unknown = message.properties.messageId;
      if (typeof id === 'string') returned.add(id);
    });
    opened.on('error', (error: Error) => {
      logger.warn({ err: error }, 'publish channel error');
    });
    opened.on('close', () => {
      if (channel !== opened) return;
      setReady(undefined);
      // A channel can close alone (a channel-level error) while the
      // connection lives on; then open a new one. If the connection is gone
      // too, this fails quietly and the reconnect opens the channel instead.
      setTimeout(() => {
        openChannel(model).catch(() => undefined);
      }, 250).unref();
    });
    setReady(opened);
  }

  async function publishOne(target: ConfirmChannel, message: OutgoingMessage): Promise<PublishOutcome> {
    return new Promise<PublishOutcome>((resolve) => {
      try {
        // The return value only asks for backpressure; amqplib buffers either way.
        target.publish(topology.exchange, topology.routingKey, message.body, { ...message.properties, mandatory: true }, (error: unknown) => {
          const wasReturned = returned.delete(message.messageId);
          if (error === null || error === undefined) {
            resolve(wasReturned ? { status: 'rejected', error: 'unroutable: no queue is bound for order.created' } : { status: 'confirmed' });
          } else if (error instanceof Error && error.message === 'message nacked') {
            resolve({ status: 'rejected', error: 'nacked by the broker' });
          } else {
            resolve({ status: 'unconfirmed', error: 'channel closed before the confirm' });
          }
        });
      } catch (error) {
        resolve({ status: 'unconfirmed', error: `publish failed: ${(error as Error).message}` });
      }
    });
  }

  return {
    exchange: topology.exchange,

    /** Call from the broker connection's setup, after every (re)connect. */
    attach: openChannel,

    isReady: () => channel !== undefined,

    /** Resolves when a channel is open, or after `timeoutMs`. */
    waitUntilReady(timeoutMs: number): Promise<void> {
      if (channel !== undefined) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        readyWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },

    async publishAll(messages: OutgoingMessage[]): Promise<PublishOutcome[]> {
      const target = channel;
      if (target === undefined) {
        return messages.map(() => ({ status: 'unconfirmed', error: 'no channel to the broker' }));
      }
      const pending = messages.map((message) => publishOne(target, message));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), options.confirmTimeoutMs);
      });
      try {
        const settled = await Promise.race([Promise.all(pending), timedOut]);
        if (settled !== 'timeout') return settled;
        // Confirms that did not come in time: unknown, so leave those rows due.
        const late: PublishOutcome = { status: 'unconfirmed', error: `no confirm within ${options.confirmTimeoutMs} ms` };
        return await Promise.all(pending.map((outcome) => Promise.race([outcome, Promise.resolve(late)])));
      } finally {
        clearTimeout(timer);
      }
    },

    async close(): Promise<void> {
      const open = channel;
      setReady(undefined);
      await open?.close().catch(() => undefined);
    },
  };
}

export type EventPublisher = ReturnType<typeof createEventPublisher>;
