import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { Kysely } from 'kysely';
import { parseOrderCreated, type MessagingTopology, type OrderCreatedV1 } from '@orders/contracts';
import {
  isTransientDatabaseError,
  jitteredBackoff,
  sleep,
  SpanKind,
  SpanStatusCode,
  startSpanFromTraceparent,
  type Logger,
  type Span,
  type Tracing,
} from '@orders/service-kit';
import type { CustomerDatabase } from '../db/schema.js';
import { applyOrderCreatedEvents } from './apply-order-created.js';
import { deadLetter } from './dead-letter.js';
import { declareOrderCreatedTopology } from './declare-topology.js';
import type { InboxMetrics } from './inbox-metrics.js';

export interface OrderCreatedConsumerOptions {
  db: Kysely<CustomerDatabase>;
  topology: MessagingTopology;
  metrics: InboxMetrics;
  tracing: Tracing;
  logger: Logger;
  prefetch: number;
  maxBatchSize: number;
  maxBatchesInFlight: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

interface Delivery {
  channel: Channel;
  message: ConsumeMessage;
  event: OrderCreatedV1;
  /** Lower-case event_id: the inbox stores uuids in canonical form. */
  key: string;
  /** The processing span, in the trace of the request that placed the order. */
  span: Span | undefined;
}

/**
 * Consumes order.created and applies it exactly once per event_id.
 *
 * Messages that arrive together are applied together: one transaction per
 * batch, and every message acked only after the commit that applied it (so a
 * crash before the commit means redelivery, and redelivery means a no-op).
 * A message that can never be applied (not JSON, wrong shape, unknown
 * customer, or still failing after bounded retries) goes to the dead-letter
 * queue with its reason; none is requeued forever and none stops the consumer.
 */
export function createOrderCreatedConsumer(options: OrderCreatedConsumerOptions) {
  const { db, topology, metrics, tracing, logger } = options;
  const stopping = new AbortController();
  const closedChannels = new WeakSet<Channel>();
  const waiting: Delivery[] = [];
  const batches = new Set<Promise<void>>();
  const deadLetters = new Set<Promise<void>>();
  let consumeChannel: Channel | undefined;
  let consumerTag: string | undefined;
  let deadLetterChannel: ConfirmChannel | undefined;
  let pumpScheduled = false;
  let databaseDown = false;

  async function attach(model: ChannelModel): Promise<void> {
    const channel = await model.createChannel();
    const confirms = await model.createConfirmChannel();
    await declareOrderCreatedTopology(channel, topology);
    await channel.prefetch(options.prefetch);
    channel.on('error', (error: Error) => logger.warn({ err: error }, 'consumer channel error'));
    confirms.on('error', (error: Error) => logger.warn({ err: error }, 'dead-letter channel error'));
    channel.on('close', () => {
      closedChannels.add(channel);
      if (consumeChannel !== channel) return;
      consumeChannel = undefined;
      if (stopping.signal.aborted) return;
      // Closed alone (a channel-level error) while the connection lives: open
      // it again. If the connection is gone, the reconnect does it instead.
      setTimeout(() => {
        attach(model).catch(() => undefined);
      }, 500).unref();
    });
    consumeChannel = channel;
    const previous = deadLetterChannel;
    deadLetterChannel = confirms;
    // After a channel-only failure the old publishing channel may still be open.
    if (previous !== undefined) previous.close().catch(() => undefined);
    const reply = await channel.consume(topology.queue, (message) => onDelivery(channel, message), { noAck: false });
    consumerTag = reply.consumerTag;
  }

  function onDelivery(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      logger.warn({ queue: topology.queue }, 'the broker cancelled the consumer (queue deleted?); resubscribing');
      channel.close().catch(() => undefined);
      return;
    }
    const parsed = parseOrderCreated(message.content);
    if (!parsed.ok) {
      void deadLetterWithReason(channel, message, parsed.reason.startsWith('invalid_json') ? 'invalid_json' : 'invalid_event', parsed.reason);
      return;
    }
    const traceparent = (message.properties.headers ?? {}).traceparent as unknown;
    const span =
      tracing.enabled && typeof traceparent === 'string'
        ? startSpanFromTraceparent(tracing.tracer, 'order.created process', SpanKind.CONSUMER, traceparent, {
            'messaging.system': 'rabbitmq',
            'messaging.operation.type': 'process',
            'messaging.destination.name': topology.queue,
            'messaging.message.id': parsed.event.event_id,
            'order.id': parsed.event.order_id,
            'customer.id': parsed.event.customer_id,
          })
        : undefined;
    waiting.push({ channel, message, event: parsed.event, key: parsed.event.event_id.toLowerCase(), span });
    schedulePump();
  }

  // Deliveries that arrive in one socket read are dispatched in one tick;
  // waiting for the next turn of the event loop lets them form one batch
  // without adding latency.
  function schedulePump(): void {
    if (pumpScheduled) return;
    pumpScheduled = true;
    setImmediate(pump);
  }

  function pump(): void {
    pumpScheduled = false;
    while (waiting.length > 0 && batches.size < options.maxBatchesInFlight) {
      const batch = waiting.splice(0, options.maxBatchSize).filter((delivery) => !closedChannels.has(delivery.channel));
      if (batch.length === 0) continue;
      const running: Promise<void> = applyBatch(batch)
        .catch((error: unknown) => logger.error({ err: error }, 'unexpected error while applying a batch'))
        .finally(() => {
          batches.delete(running);
          if (waiting.length > 0) schedulePump();
        });
      batches.add(running);
    }
  }

  function deadLetterWithReason(channel: Channel, message: ConsumeMessage, kind: string, reason: string): Promise<void> {
    const moving: Promise<void> = deadLetter(deadLetterChannel, topology, channel, message, reason)
      .then((moved) => {
        if (!moved) return;
        metrics.deadLettered.inc({ reason: kind });
        logger.warn({ messageId: message.properties.messageId as unknown, reason }, 'message dead-lettered');
      })
      .finally(() => deadLetters.delete(moving));
    deadLetters.add(moving);
    return moving;
  }

  async function drain(): Promise<void> {
    for (;;) {
      if (batches.size === 0) pump();
      if (batches.size === 0) return;
      await Promise.race(batches);
    }
  }

  function ack(delivery: Delivery): void {
    try {
      delivery.channel.ack(delivery.message);
    } catch {
      // The channel closed after the commit: the broker redelivers and the
      // redelivery is a duplicate, acknowledged as a no-op.
    }
  }

  async function applyBatch(batch: Delivery[]): Promise<void> {
    const distinct = new Map<string, OrderCreatedV1>();
    for (const delivery of batch) if (!distinct.has(delivery.key)) distinct.set(delivery.key, { ...delivery.event, event_id: delivery.key });
    const events = [...distinct.values()];

    for (let attempt = 1; ; attempt += 1) {
      const stopTimer = metrics.batchDuration.startTimer();
      try {
        const outcomes = await applyOrderCreatedEvents(db, events);
        stopTimer();
        if (databaseDown) {
          databaseDown = false;
          logger.info('consumer reached the database again');
        }
        settle(batch, outcomes, events.length);
        return;
      } catch (error) {
        if (!isTransientDatabaseError(error)) {
          if (batch.length > 1) {
            // Something in this batch cannot be applied; find it by applying one at a time.
            for (const delivery of batch) await applyBatch([delivery]);
            return;
          }
          for (const delivery of batch) {
            delivery.span?.setStatus({ code: SpanStatusCode.ERROR, message: 'apply failed' });
            delivery.span?.end();
            await deadLetterWithReason(delivery.channel, delivery.message, 'apply_failed', `apply_failed: ${(error as Error).message}`);
          }
          return;
        }
        metrics.retries.inc();
        if (!databaseDown) {
          databaseDown = true;
          logger.error({ err: error }, 'consumer cannot apply events: database unavailable; retrying with backoff');
        }
        if (attempt >= options.maxAttempts) {
          for (const delivery of batch) {
            delivery.span?.setStatus({ code: SpanStatusCode.ERROR, message: 'retries exhausted' });
            delivery.span?.end();
            await deadLetterWithReason(
              delivery.channel,
              delivery.message,
              'retries_exhausted',
              `retries_exhausted: ${attempt} attempts, last error: ${(error as Error).message}`,
            );
          }
          return;
        }
        await sleep(jitteredBackoff(attempt, options.retryBaseMs, options.retryMaxMs), stopping.signal);
        // Stopping mid-retry: leave these unacknowledged; the broker redelivers them.
        if (stopping.signal.aborted) return;
      }
    }
  }

  function settle(batch: Delivery[], outcomes: Map<string, string>, distinctEvents: number): void {
    metrics.batchSize.observe(distinctEvents);
    const now = Date.now();
    const counted = new Set<string>();
    for (const delivery of batch) {
      const outcome = outcomes.get(delivery.key);
      delivery.span?.setAttribute('order.outcome', outcome ?? 'unknown');
      if (outcome === 'unknown_customer') {
        delivery.span?.setStatus({ code: SpanStatusCode.ERROR, message: 'unknown customer' });
        delivery.span?.end();
        void deadLetterWithReason(
          delivery.channel,
          delivery.message,
          'unknown_customer',
          `unknown_customer: customer ${delivery.event.customer_id} does not exist`,
        );
        continue;
      }
      if (outcome === 'applied' && !counted.has(delivery.key)) {
        counted.add(delivery.key);
        metrics.applied.inc();
        metrics.endToEndLag.observe((now - Date.parse(delivery.event.occurred_at)) / 1000);
      } else {
        metrics.duplicates.inc();
      }
      ack(delivery);
      delivery.span?.end();
    }
  }

  return {
    /** Call from the broker connection's setup, after every (re)connect. */
    attach,

    /** Stop taking deliveries, apply and ack what was already received, close the channels. */
    async stop(): Promise<void> {
      const channel = consumeChannel;
      if (channel !== undefined && consumerTag !== undefined) await channel.cancel(consumerTag).catch(() => undefined);
      // Finish what was received; a batch still retrying against a database
      // that is down is abandoned after a while and redelivered later.
      await Promise.race([drain(), sleep(10_000)]);
      stopping.abort();
      await drain();
      await Promise.all(deadLetters);
      consumeChannel = undefined;
      await channel?.close().catch(() => undefined);
      await deadLetterChannel?.close().catch(() => undefined);
    },
  };
}

export type OrderCreatedConsumer = ReturnType<typeof createOrderCreatedConsumer>;
