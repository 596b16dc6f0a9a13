import type { Kysely } from 'kysely';
import type { MessagingTopology } from '@orders/contracts';
import { SpanStatusCode, type Logger, type Tracing } from '@orders/service-kit';
import type { ConfirmedPublisher, PublishOutcome } from '@orders/service-kit/broker';
import type { OrderDatabase } from '../db/schema.js';
import type { OutboxMetrics } from './outbox-metrics.js';
import { toOutgoingMessage, type InvalidPayload, type TracedMessage } from './outbox-message.js';
import { claimDueEvents, markPublished, recordFailures, type ClaimedEvent, type PublishFailure } from './outbox.repository.js';
import { decideRelayVerdict, type RelayPolicy, type RelayVerdict } from './relay-verdict.js';

export interface RelayBatchDeps {
  db: Kysely<OrderDatabase>;
  publisher: ConfirmedPublisher;
  topology: MessagingTopology;
  /** host:port of the broker node publishing goes to now (for the spans). */
  currentNode: () => string | undefined;
  metrics: OutboxMetrics;
  tracing: Tracing;
  logger: Logger;
  batchSize: number;
  policy: RelayPolicy;
}

export interface BatchReport {
  claimed: number;
  confirmed: number;
  rejected: number;
  unconfirmed: number;
  dead: number;
}

/**
 * Publishes the rows whose payload is a valid event, and gives the others the
 * outcome "rejected" without publishing them: retrying will not fix them, but
 * they spend their attempts and end dead, in front of an operator.
 */
async function publishValid(publisher: ConfirmedPublisher, prepared: Array<TracedMessage | InvalidPayload>): Promise<PublishOutcome[]> {
  const sendable = prepared.filter((entry): entry is TracedMessage => !('invalid' in entry));
  const sent = await publisher.publish(sendable.map((entry) => entry.message));
  let next = 0;
  return prepared.map((entry) => {
    if ('invalid' in entry) return { status: 'rejected', error: entry.invalid };
    const outcome = sent[next] ?? { status: 'unconfirmed', error: 'no outcome' };
    next += 1;
    return outcome;
  });
}

function endSpans(prepared: Array<TracedMessage | InvalidPayload>, outcomes: PublishOutcome[]): void {
  prepared.forEach((entry, index) => {
    const span = 'invalid' in entry ? undefined : entry.span;
    if (span === undefined) return;
    const outcome = outcomes[index];
    if (outcome !== undefined && outcome.status !== 'confirmed') {
      span.setAttribute('error.type', outcome.status);
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error });
    }
    span.end();
  });
}

/**
 * One batch, in the claim's transaction: claim due rows, publish them all
 * with their confirms in flight together, decide each row's verdict, record
 * the verdicts. A worker that loses its node mid-batch gets "unconfirmed"
 * for what had no confirm yet; those rows stay due, with no attempt spent,
 * and the next batch (on the next node) publishes them again.
 */
export async function relayBatch(deps: RelayBatchDeps): Promise<BatchReport> {
  return deps.db.transaction().execute(async (trx) => {
    const rows = await claimDueEvents(trx, deps.batchSize);
    const report: BatchReport = { claimed: rows.length, confirmed: 0, rejected: 0, unconfirmed: 0, dead: 0 };
    if (rows.length === 0) return report;
    const now = new Date();
    const prepared = rows.map((row) => toOutgoingMessage(row, now, deps.topology, deps.tracing, deps.currentNode()));
    const outcomes = await publishValid(deps.publisher, prepared);
    endSpans(prepared, outcomes);

    const published: ClaimedEvent[] = [];
    const failures: PublishFailure[] = [];
    rows.forEach((row, index) => {
      const verdict: RelayVerdict = decideRelayVerdict(row.attempts, outcomes[index] ?? { status: 'unconfirmed', error: 'no outcome' }, deps.policy);
      switch (verdict.kind) {
        case 'published':
          published.push(row);
          break;
        case 'retry':
        case 'dead':
          failures.push({ id: row.id, retryInMs: verdict.retryInMs, error: verdict.error });
          break;
        case 'unconfirmed':
          report.unconfirmed += 1;
          break;
      }
    });
    await markPublished(
      trx,
      published.map((row) => row.id),
    );
    report.confirmed = published.length;
    report.rejected = failures.length;
    // The statement marks a row dead by the same rule as the verdict, and says how many it marked.
    report.dead = await recordFailures(trx, failures, deps.policy.maxAttempts);
    if (failures.length > 0) {
      deps.logger.warn({ failed: failures.length, dead: report.dead, error: failures[0]?.error }, 'outbox publishes rejected; will retry with backoff');
    }
    const confirmedAt = Date.now();
    for (const row of published) deps.metrics.relayLag.observe((confirmedAt - row.created_at.getTime()) / 1000);
    return report;
  });
}

/** The figures of a batch, once it has committed. */
export function recordBatchMetrics(metrics: OutboxMetrics, logger: Logger, report: BatchReport, seconds: number): void {
  // Empty claims (an idle worker's backstop poll) would drown the figure.
  if (report.claimed > 0) metrics.batchDuration.observe(seconds);
  metrics.published.inc(report.confirmed);
  if (report.rejected > 0) metrics.failed.inc({ kind: 'rejected' }, report.rejected);
  if (report.unconfirmed > 0) metrics.failed.inc({ kind: 'unconfirmed' }, report.unconfirmed);
  if (report.dead > 0) {
    metrics.dead.inc(report.dead);
    logger.error({ dead: report.dead }, 'outbox events ran out of attempts and are dead; see npm run outbox -- list-dead');
  }
}
