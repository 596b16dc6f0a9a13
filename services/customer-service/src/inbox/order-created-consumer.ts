import type { Kysely } from 'kysely';
import { parseOrderCreated, type MessagingTopology, type OrderCreatedV1 } from '@orders/contracts';
import { sleep, startProcessSpan, type Logger, type Span, type Tracing } from '@orders/service-kit';
import { createBatchingConsumer, createConfirmedPublisher, type ChannelModel, type Delivery } from '@orders/service-kit/broker';
import type { CustomerServiceConfig } from '../config.js';
import type { CustomerDatabase } from '../db/schema.js';
import type { ApplyOutcome } from './apply-order-created.js';
import { createBatchApplier } from './apply-batch.js';
import { declareOrderCreatedTopology } from './declare-topology.js';
import type { InboxMetrics } from './inbox-metrics.js';
import { createSettler, type Settle } from './settle-delivery.js';
import { decideBatchStep, decideSettlement, decideUnparseable } from './settlement-decision.js';

export interface OrderCreatedConsumerOptions {
  db: Kysely<CustomerDatabase>;
  topology: MessagingTopology;
  settings: CustomerServiceConfig['consumer'];
  metrics: InboxMetrics;
  tracing: Tracing;
  logger: Logger;
  /** host:port of the broker node deliveries come from now (for the spans). */
  currentNode: () => string | undefined;
}

/** A delivery whose body is an order.created event. */
interface Received {
  delivery: Delivery;
  event: OrderCreatedV1;
  /** Lower-case event_id: the inbox stores uuids in canonical form. */
  key: string;
  /** The processing span, in the trace of the request that placed the order. */
  span: Span | undefined;
}

/**
 * Consumes order.created and applies it exactly once per event_id. The story
 * of a batch: receive → parse → apply the batch → settle.
 *
 * Messages that arrive together are applied together: one transaction per
 * batch, and every message acked only after the commit that applied it (so a
 * crash, or a lost broker node, before the commit means redelivery, and a
 * redelivery is a no-op). A message that can never be applied (not JSON,
 * wrong shape, unknown customer, or still failing after bounded retries) is
 * dead-lettered with its reason, in one place (settle-delivery.ts).
 */
export function createOrderCreatedConsumer(options: OrderCreatedConsumerOptions) {
  const { topology, settings, logger } = options;
  const deadLetters = createConfirmedPublisher({ logger, confirmTimeoutMs: 10_000, purpose: 'dead-letter' });
  const settle = createSettler({ deadLetters, topology, metrics: options.metrics, logger });
  const applyBatch = createBatchApplier(options);
  const consumer = createBatchingConsumer({
    queue: topology.queue,
    prefetch: settings.prefetch,
    maxBatchSize: settings.maxBatchSize,
    maxBatchesInFlight: settings.maxBatchesInFlight,
    logger,
    prepare: (channel) => declareOrderCreatedTopology(channel, topology),
    handleBatch: receiveBatch,
  });

  async function receiveBatch(batch: Delivery[], stopping: AbortSignal): Promise<void> {
    const settling: Array<Promise<void>> = [];
    const received: Received[] = [];
    for (const delivery of batch) {
      const parsed = parseOrderCreated(delivery.message.content);
      if (parsed.ok) received.push(receive(delivery, parsed.event, options));
      else settling.push(settle(delivery, undefined, decideUnparseable(parsed.reason)));
    }
    await applyAndSettle(received, stopping, settling);
    await Promise.all(settling);
  }

  async function applyAndSettle(received: Received[], stopping: AbortSignal, settling: Array<Promise<void>>): Promise<void> {
    if (received.length === 0) return;
    const events = [...new Map(received.map((one) => [one.key, { ...one.event, event_id: one.key }])).values()];
    for (let attempt = 1; ; attempt += 1) {
      const applied = await applyBatch(events);
      const step = decideBatchStep(applied, attempt, received.length, settings);
      switch (step.kind) {
        case 'settle':
          options.metrics.batchSize.observe(events.length);
          if (applied.ok) settling.push(...settleApplied(received, applied.outcomes, settle));
          return;
        case 'retry':
          options.metrics.retries.inc();
          await sleep(step.delayMs, stopping);
          // Stopping, or the channel is gone (a lost node): leave them unacknowledged; the broker redelivers them.
          if (stopping.aborted || !received.some((one) => one.delivery.isLive())) return;
          break;
        case 'apply-alone':
          for (const one of received) await applyAndSettle([one], stopping, settling);
          return;
        case 'give-up':
          for (const one of received) settling.push(settle(one.delivery, one.span, { kind: 'dead-letter', reason: step.reason, detail: step.detail }));
          return;
      }
    }
  }

  return {
    /** Call from the broker connection's setup, after every (re)connect: the dead-letter channel first, then consuming. */
    async attach(model: ChannelModel): Promise<void> {
      await deadLetters.attach(model);
      await consumer.attach(model);
    },
    /** Consuming, with a channel to dead-letter on. */
    isReady: () => consumer.isConsuming() && deadLetters.isReady(),
    /** Stop taking deliveries, apply and settle what was already received, close the channels. */
    async stop(): Promise<void> {
      await consumer.stop(10_000);
      await deadLetters.close();
    },
  };
}

/** Receive: the delivery with its event, and its processing span in the trace of the request that placed the order. */
function receive(delivery: Delivery, event: OrderCreatedV1, options: OrderCreatedConsumerOptions): Received {
  const { fields, properties } = delivery.message;
  const span = startProcessSpan(options.tracing, {
    queue: options.topology.queue,
    exchange: fields.exchange,
    routingKey: fields.routingKey,
    deliveryTag: fields.deliveryTag,
    messageId: event.event_id,
    traceparent: (properties.headers ?? {}).traceparent as string | undefined,
    node: options.currentNode(),
    attributes: { 'order.id': event.order_id, 'customer.id': event.customer_id },
  });
  return { delivery, event, key: event.event_id.toLowerCase(), span };
}

/** Settle an applied batch: each delivery by its event's outcome; a second copy of one event in the batch is a duplicate. */
function settleApplied(received: Received[], outcomes: Map<string, ApplyOutcome>, settle: Settle): Array<Promise<void>> {
  const counted = new Set<string>();
  return received.map((one) => {
    const outcome = outcomes.get(one.key);
    one.span?.setAttribute('order.outcome', outcome ?? 'unknown');
    const settlement = decideSettlement(outcome, one.event.customer_id, !counted.has(one.key));
    counted.add(one.key);
    return settle(one.delivery, one.span, settlement, one.event);
  });
}
