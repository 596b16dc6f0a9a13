import type { Kysely } from 'kysely';
import { orderCreatedMessageProperties, serializeOrderCreated, type OrderCreatedV1 } from '@orders/contracts';
import {
  isTransientDatabaseError,
  jitteredBackoff,
  sleep,
  SpanKind,
  SpanStatusCode,
  startSpanFromTraceparent,
  traceparentOf,
  type Logger,
  type Span,
  type Tracing,
} from '@orders/service-kit';
import type { OrderDatabase } from '../db/schema.js';
import type { EventPublisher, OutgoingMessage } from './event-publisher.js';
import type { OutboxMetrics } from './outbox-metrics.js';
import { claimDueEvents, markPublished, recordFailures, type ClaimedEvent, type PublishFailure } from './outbox.repository.js';
import { coalescingDelayMs, createArrivalRate } from './arrival-rate.js';
import type { WakeSignal } from './wake-signal.js';

export interface OutboxRelayOptions {
  db: Kysely<OrderDatabase>;
  publisher: EventPublisher;
  signal: WakeSignal;
  metrics: OutboxMetrics;
  tracing: Tracing;
  logger: Logger;
  batchSize: number;
  concurrency: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** The backstop: how long an idle loop sleeps when no hint arrives. */
  pollIntervalMs: number;
  /** Longest wait for rows to gather under load (0: claim at every hint). */
  coalesceMaxMs: number;
}

export interface BatchReport {
  claimed: number;
  confirmed: number;
  rejected: number;
  unconfirmed: number;
  dead: number;
}

interface Traced {
  message: OutgoingMessage;
  span: Span | undefined;
}

/**
 * The message for a row. A row stored by a traced request gets a publish span
 * in that request's trace, and the message carries the span's traceparent, so
 * the consumer's span joins the same trace.
 */
function toOutgoingMessage(row: ClaimedEvent, now: Date, tracing: Tracing, exchange: string): Traced {
  // The payload was built by the same statement that stored the order.
  const event = row.payload as OrderCreatedV1;
  const span =
    tracing.enabled && row.traceparent !== null
      ? startSpanFromTraceparent(tracing.tracer, 'order.created publish', SpanKind.PRODUCER, row.traceparent, {
          'messaging.system': 'rabbitmq',
          'messaging.operation.type': 'send',
          'messaging.destination.name': exchange,
          'messaging.message.id': row.event_id,
          'order.id': event.order_id,
        })
      : undefined;
  const traceparent = (span === undefined ? undefined : traceparentOf(span)) ?? row.traceparent;
  return {
    message: { messageId: row.event_id, body: serializeOrderCreated(event), properties: orderCreatedMessageProperties(event, traceparent, now) },
    span,
  };
}

/**
 * Moves outbox rows to the broker: claim a batch of due rows, publish them all
 * with confirms in flight together, then mark each one by its outcome, all in
 * the claim's transaction. Several loops run side by side (and several
 * workers), kept apart by SKIP LOCKED.
 */
export function createOutboxRelay(options: OutboxRelayOptions) {
  const { db, publisher, signal, metrics, tracing, logger } = options;
  const stopping = new AbortController();
  let loops: Promise<void>[] = [];
  let databaseDown = false;
  const arrivals = createArrivalRate();
  // Under load the loops share one claim schedule, so two loops do not split
  // each gathered batch in halves.
  let nextHotClaimAt = 0;

  async function relayBatch(): Promise<BatchReport> {
    const started = process.hrtime.bigint();
    const report = await db.transaction().execute(async (trx) => {
      const rows = await claimDueEvents(trx, options.batchSize);
      const result: BatchReport = { claimed: rows.length, confirmed: 0, rejected: 0, unconfirmed: 0, dead: 0 };
      if (rows.length === 0) return result;
      const now = new Date();
      const traced = rows.map((row) => toOutgoingMessage(row, now, tracing, publisher.exchange));
      const outcomes = await publisher.publishAll(traced.map((entry) => entry.message));
      traced.forEach(({ span }, index) => {
        if (span === undefined) return;
        const outcome = outcomes[index];
        if (outcome?.status !== 'confirmed') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome?.error });
        span.end();
      });
      const confirmed: ClaimedEvent[] = [];
      const failures: PublishFailure[] = [];
      rows.forEach((row, index) => {
        const outcome = outcomes[index];
        if (outcome?.status === 'confirmed') {
          confirmed.push(row);
        } else if (outcome?.status === 'rejected') {
          const retryInMs = jitteredBackoff(row.attempts + 1, options.backoffBaseMs, options.backoffMaxMs);
          failures.push({ id: row.id, retryInMs, error: outcome.error });
        } else {
          result.unconfirmed += 1;
        }
      });
      await markPublished(
        trx,
        confirmed.map((row) => row.id),
      );
      result.confirmed = confirmed.length;
      result.rejected = failures.length;
      result.dead = await recordFailures(trx, failures, options.maxAttempts);
      if (failures.length > 0) {
        logger.warn({ failed: failures.length, dead: result.dead, error: failures[0]?.error }, 'outbox publishes rejected; will retry with backoff');
      }
      const confirmedAt = Date.now();
      for (const row of confirmed) metrics.relayLag.observe((confirmedAt - row.created_at.getTime()) / 1000);
      return result;
    });
    // Empty claims (an idle worker's backstop poll) would drown the figure.
    if (report.claimed > 0) metrics.batchDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    metrics.published.inc(report.confirmed);
    if (report.rejected > 0) metrics.failed.inc({ kind: 'rejected' }, report.rejected);
    if (report.unconfirmed > 0) metrics.failed.inc({ kind: 'unconfirmed' }, report.unconfirmed);
    if (report.dead > 0) {
      metrics.dead.inc(report.dead);
      logger.error({ dead: report.dead }, 'outbox events ran out of attempts and are dead; see npm run outbox -- list-dead');
    }
    return report;
  }

  async function loop(): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      if (!publisher.isReady()) {
        await publisher.waitUntilReady(options.pollIntervalMs);
        continue;
      }
      const seen = signal.generation();
      let report: BatchReport;
      try {
        report = await relayBatch();
      } catch (error) {
        failures += 1;
        if (!databaseDown) {
          databaseDown = true;
          const transient = isTransientDatabaseError(error);
          logger.error({ err: error, transient }, 'outbox relay cannot reach the database; retrying with backoff');
        }
        await sleep(jitteredBackoff(failures, 100, 5_000), stopping.signal);
        continue;
      }
      failures = 0;
      arrivals.record(report.claimed);
      if (databaseDown) {
        databaseDown = false;
        logger.info('outbox relay reached the database again');
      }
      // A full batch means more are probably waiting: claim again at once.
      if (report.claimed === options.batchSize && report.unconfirmed === 0) continue;
      await signal.waitForChange(seen, options.pollIntervalMs);
      const gather = coalescingDelayMs(arrivals.perSecond(), { minRate: 400, targetRows: 100, maxMs: options.coalesceMaxMs });
      if (gather > 0) {
        const now = Date.now();
        const claimAt = Math.max(now + gather, nextHotClaimAt);
        nextHotClaimAt = claimAt + gather;
        await sleep(claimAt - now, stopping.signal);
      }
    }
  }

  return {
    relayBatch,
    start(): void {
      loops = Array.from({ length: options.concurrency }, () => loop());
    },
    /** Stop claiming; batches in flight finish publishing and commit. */
    async stop(): Promise<void> {
      stopping.abort();
      signal.poke();
      await Promise.all(loops);
    },
  };
}

export type OutboxRelay = ReturnType<typeof createOutboxRelay>;
