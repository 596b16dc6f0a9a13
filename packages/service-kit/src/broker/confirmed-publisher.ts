import type { ChannelModel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import type { Logger } from '../observability/logger.js';
import { createRecoveringChannel } from './recovering-channel.js';

/** Message properties as amqplib takes them; `mandatory` is always set by the publisher. */
export type PublishProperties = Omit<Options.Publish, 'mandatory'>;

export interface OutgoingMessage {
  exchange: string;
  routingKey: string;
  content: Buffer;
  properties: PublishProperties;
}

/**
 * confirmed: the broker took responsibility for it (routed to a queue, and for
 * a quorum queue written by a majority of its replicas).
 * rejected: the broker refused it (nack, or returned as unroutable): the
 * message's fault or the topology's; a caller that retries should count it.
 * unconfirmed: the channel closed or no confirm came in time: nobody knows
 * whether the broker has it, so publishing it again is the only safe move.
 */
export type PublishOutcome = { status: 'confirmed' } | { status: 'rejected'; error: string } | { status: 'unconfirmed'; error: string };

export interface ConfirmedPublisherOptions {
  logger: Logger;
  /** How long to wait for the confirms of one call to publish(). */
  confirmTimeoutMs: number;
  /** For logs. */
  purpose?: string;
  /** Runs on every channel opened (assert the exchange published to, say). */
  prepare?: (channel: ConfirmChannel) => Promise<void>;
}

export interface ConfirmedPublisher {
  /** Call from the connection's setup, after every (re)connect. */
  attach(model: ChannelModel): Promise<void>;
  isReady(): boolean;
  /** Resolves when a channel is open, or after `timeoutMs`. */
  waitUntilReady(timeoutMs: number): Promise<boolean>;
  /** Publishes every message before awaiting any confirm; one outcome per message, in order. */
  publish(messages: readonly OutgoingMessage[]): Promise<PublishOutcome[]>;
  close(): Promise<void>;
}

interface Corkable {
  cork(): void;
  uncork(): void;
}

/** The socket under an amqplib channel (amqplib keeps it as connection.stream; it does not type it). */
function socketOf(channel: ConfirmChannel): Corkable | undefined {
  const stream = (channel as unknown as { connection?: { stream?: Partial<Corkable> } }).connection?.stream;
  return typeof stream?.cork === 'function' && typeof stream.uncork === 'function' ? (stream as Corkable) : undefined;
}

/**
 * Holds the socket's writes while a batch is handed to amqplib, so its frames
 * (three a message) leave in one write instead of one system call each.
 * amqplib passes frames to the socket on a later turn: the channel's buffer
 * signals "readable" on the next tick, and its multiplexer then writes on
 * setImmediate. Uncorking from a tick queued after that signal runs after
 * those writes; if amqplib ever changed its timing, the writes would only be
 * less batched, never held: the uncork always comes.
 */
function corkedWhile<T>(channel: ConfirmChannel, work: () => T): T {
  const socket = socketOf(channel);
  socket?.cork();
  try {
    return work();
  } finally {
    if (socket !== undefined) process.nextTick(() => setImmediate(() => socket.uncork()));
  }
}

/** A returned message is matched to its publish by message id, or by its bytes when it has none. */
function sameMessage(returned: ConsumeMessage, message: OutgoingMessage): boolean {
  const id: unknown = returned.properties.messageId;
  if (message.properties.messageId !== undefined) return id === message.properties.messageId;
  return id === undefined && returned.fields.routingKey === message.routingKey && returned.content.equals(message.content);
}

function publishOne(channel: ConfirmChannel, returned: ConsumeMessage[], message: OutgoingMessage): Promise<PublishOutcome> {
  return new Promise<PublishOutcome>((resolve) => {
    try {
      // The return value only asks for backpressure; amqplib buffers either way.
      channel.publish(message.exchange, message.routingKey, message.content, { ...message.properties, mandatory: true }, (error: unknown) => {
        // RabbitMQ sends basic.return before the ack of the same message.
        const at = returned.findIndex((candidate) => sameMessage(candidate, message));
        if (at >= 0) returned.splice(at, 1);
        if (error === null || error === undefined) {
          resolve(at >= 0 ? { status: 'rejected', error: `unroutable: no queue is bound for ${message.routingKey}` } : { status: 'confirmed' });
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

/**
 * The one confirmed, mandatory publish. A message counts as published only
 * when the broker confirmed it AND did not return it as unroutable. The whole
 * call is one window of confirms in flight; confirms that do not come within
 * `confirmTimeoutMs` (a lost node, a blocked connection) are unconfirmed.
 */
export function createConfirmedPublisher(options: ConfirmedPublisherOptions): ConfirmedPublisher {
  const returnedBy = new WeakMap<ConfirmChannel, ConsumeMessage[]>();
  const channel = createRecoveringChannel<ConfirmChannel>({
    purpose: options.purpose ?? 'publish',
    logger: options.logger,
    open: (model) => model.createConfirmChannel(),
    async prepare(opened) {
      const returned: ConsumeMessage[] = [];
      returnedBy.set(opened, returned);
      opened.on('return', (message: ConsumeMessage) => returned.push(message));
      await options.prepare?.(opened);
    },
  });

  return {
    attach: (model) => channel.attach(model),
    isReady: () => channel.current() !== undefined,
    waitUntilReady: (timeoutMs) => channel.waitUntilOpen(timeoutMs),
    async publish(messages) {
      const target = channel.current();
      if (target === undefined) return messages.map(() => ({ status: 'unconfirmed', error: 'no channel to the broker' }));
      const returned = returnedBy.get(target) ?? [];
      const pending = corkedWhile(target, () => messages.map((message) => publishOne(target, returned, message)));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), options.confirmTimeoutMs);
      });
      try {
        const settled = await Promise.race([Promise.all(pending), timedOut]);
        if (settled !== 'timeout') return settled;
        const late: PublishOutcome = { status: 'unconfirmed', error: `no confirm within ${options.confirmTimeoutMs} ms` };
        return await Promise.all(pending.map((outcome) => Promise.race([outcome, Promise.resolve(late)])));
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => channel.close(),
  };
}
