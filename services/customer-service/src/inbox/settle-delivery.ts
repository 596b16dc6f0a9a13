import type { MessagingTopology, OrderCreatedV1 } from '@orders/contracts';
import { SpanStatusCode, type Logger, type Span } from '@orders/service-kit';
import type { ConfirmedPublisher, Delivery } from '@orders/service-kit/broker';
import { deadLetter } from './dead-letter.js';
import type { InboxMetrics } from './inbox-metrics.js';
import type { Settlement } from './settlement-decision.js';

export interface SettleOptions {
  deadLetters: ConfirmedPublisher;
  topology: MessagingTopology;
  metrics: InboxMetrics;
  logger: Logger;
}

export type Settle = (delivery: Delivery, span: Span | undefined, settlement: Settlement, event?: OrderCreatedV1) => Promise<void>;

/**
 * The one place a delivery is settled: acknowledged (counted as applied or as
 * a duplicate), or dead-lettered with its reason. Ends its span either way.
 */
export function createSettler(options: SettleOptions): Settle {
  const { deadLetters, topology, metrics, logger } = options;
  return async function settle(delivery, span, settlement, event) {
    if (settlement.kind === 'ack') {
      delivery.ack();
      span?.end();
      if (settlement.counted === 'duplicate') {
        metrics.duplicates.inc();
      } else {
        metrics.applied.inc();
        if (event !== undefined) metrics.endToEndLag.observe((Date.now() - Date.parse(event.occurred_at)) / 1000);
      }
      return;
    }
    span?.setAttribute('error.type', settlement.reason);
    span?.setStatus({ code: SpanStatusCode.ERROR, message: settlement.reason });
    span?.end();
    if (await deadLetter(deadLetters, topology, delivery, settlement.detail)) {
      metrics.deadLettered.inc({ reason: settlement.reason });
      logger.warn({ messageId: delivery.message.properties.messageId as unknown, reason: settlement.detail }, 'message dead-lettered');
    }
  };
}
