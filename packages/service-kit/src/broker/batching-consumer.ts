import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Logger } from '../observability/logger.js';
import { sleep } from '../lifecycle/sleep.js';
import { createAckCoalescer, type AckCoalescer } from './ack-coalescer.js';
import { createRecoveringChannel } from './recovering-channel.js';

/** One message as the consumer sees it; settling it never throws. */
export interface Delivery {
  message: ConsumeMessage;
  ack(): void;
  /** Give it back to the queue (the delivery limit bounds how often). */
  requeue(): void;
  /** False once the channel it came on has closed: the broker redelivers it, settling it is moot. */
  isLive(): boolean;
}

export interface BatchingConsumerOptions {
  queue: string;
  /** Unacknowledged messages the broker may hand over at once. */
  prefetch: number;
  maxBatchSize: number;
  maxBatchesInFlight: number;
  logger: Logger;
  /** Runs on every channel before consuming: declare the queue this consumer reads. */
  prepare?: (channel: Channel) => Promise<void>;
  /** Handles one batch; `signal` aborts when stop() stops waiting, so a retry loop can give up. */
  handleBatch(batch: Delivery[], signal: AbortSignal): Promise<void>;
}

export interface BatchingConsumer {
  /** Call from the connection's setup, after every (re)connect. */
  attach(model: ChannelModel): Promise<void>;
  /** True while a channel is open and subscribed to the queue. */
  isConsuming(): boolean;
  /** Stop taking deliveries, let the batches in hand finish (up to `graceMs`), close the channel. */
  stop(graceMs: number): Promise<void>;
}

function toDelivery(acks: AckCoalescer, message: ConsumeMessage, isLive: () => boolean): Delivery {
  return { message, ack: () => acks.ack(message), requeue: () => acks.requeue(message), isLive };
}

/**
 * The batching consumer skeleton: attach, prefetch, deliver in batches, drain
 * on stop. Deliveries that arrive in one socket read are dispatched in one
 * tick; waiting for the next turn of the event loop lets them form one batch
 * without adding latency.
 */
export function createBatchingConsumer(options: BatchingConsumerOptions): BatchingConsumer {
  const { logger } = options;
  const stopping = new AbortController();
  const waiting: Delivery[] = [];
  const batches = new Set<Promise<void>>();
  const consumerTags = new WeakMap<Channel, string>();
  const acksOf = new WeakMap<Channel, AckCoalescer>();
  let pumpScheduled = false;

  const channel = createRecoveringChannel<Channel>({
    purpose: 'consume',
    logger,
    open: (model) => model.createChannel(),
    async prepare(opened) {
      await options.prepare?.(opened);
      await opened.prefetch(options.prefetch);
      const reply = await opened.consume(options.queue, (message) => receive(opened, message), { noAck: false });
      consumerTags.set(opened, reply.consumerTag);
    },
  });

  function receive(from: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      // Cancelled by the broker (queue deleted, its node gone): a fresh channel subscribes again.
      logger.warn({ queue: options.queue }, 'the broker cancelled the consumer; subscribing again');
      from.close().catch(() => undefined);
      return;
    }
    let acks = acksOf.get(from);
    if (acks === undefined) {
      acks = createAckCoalescer(from);
      acksOf.set(from, acks);
    }
    acks.track(message);
    waiting.push(toDelivery(acks, message, () => channel.isCurrent(from)));
    schedulePump();
  }

  function schedulePump(): void {
    if (pumpScheduled) return;
    pumpScheduled = true;
    setImmediate(pump);
  }

  function pump(): void {
    pumpScheduled = false;
    while (waiting.length > 0 && batches.size < options.maxBatchesInFlight) {
      const batch = waiting.splice(0, options.maxBatchSize).filter((delivery) => delivery.isLive());
      if (batch.length === 0) continue;
      const running: Promise<void> = options
        .handleBatch(batch, stopping.signal)
        .catch((error: unknown) => logger.error({ err: error }, 'unexpected error while handling a batch'))
        .finally(() => {
          batches.delete(running);
          if (waiting.length > 0) schedulePump();
        });
      batches.add(running);
    }
  }

  async function drain(): Promise<void> {
    for (;;) {
      if (batches.size === 0) pump();
      if (batches.size === 0) return;
      await Promise.race(batches);
    }
  }

  return {
    attach: (model) => channel.attach(model),
    isConsuming: () => channel.current() !== undefined,
    async stop(graceMs) {
      const open = channel.current();
      const tag = open === undefined ? undefined : consumerTags.get(open);
      if (open !== undefined && tag !== undefined) await open.cancel(tag).catch(() => undefined);
      // A batch still retrying against a database that is down is abandoned
      // after the grace period; its messages are redelivered later.
      const grace = new AbortController();
      await Promise.race([drain(), sleep(graceMs, grace.signal)]);
      grace.abort();
      stopping.abort();
      await drain();
      // Acks of the last batches are still waiting for the next turn of the event loop.
      const last = channel.current();
      if (last !== undefined) acksOf.get(last)?.flush();
      await channel.close();
    },
  };
}
