import { jitteredBackoff } from '@orders/service-kit';
import type { ApplyOutcome } from './apply-order-created.js';

/** Why a message leaves the queue for the dead-letter queue (the metric's `reason` label). */
export type DeadLetterKind = 'invalid_json' | 'invalid_event' | 'unknown_customer' | 'apply_failed' | 'retries_exhausted';

/** What becomes of one delivery. */
export type Settlement =
  | { kind: 'ack'; counted: 'applied' | 'duplicate' }
  | { kind: 'dead-letter'; reason: DeadLetterKind; detail: string };

/** What to do with a batch after one try at applying it. */
export type BatchStep =
  | { kind: 'settle' }
  /** A transient failure (database down, deadlock): wait, then apply the same batch again. */
  | { kind: 'retry'; delayMs: number }
  /** Something in this batch can never be applied: apply its deliveries one by one to find it. */
  | { kind: 'apply-alone' }
  /** No more tries: every delivery of the batch is dead-lettered. */
  | { kind: 'give-up'; reason: 'apply_failed' | 'retries_exhausted'; detail: string };

export interface RetryPolicy {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

export type ApplyTry = { ok: true } | { ok: false; transient: boolean; message: string };

/**
 * After try number `attempt` of a batch of `size` deliveries. The clock's
 * randomness is passed in, so the rule is tested without a database.
 */
export function decideBatchStep(tried: ApplyTry, attempt: number, size: number, policy: RetryPolicy, random: () => number = Math.random): BatchStep {
  if (tried.ok) return { kind: 'settle' };
  if (!tried.transient) {
    return size > 1 ? { kind: 'apply-alone' } : { kind: 'give-up', reason: 'apply_failed', detail: `apply_failed: ${tried.message}` };
  }
  if (attempt >= policy.maxAttempts) {
    return { kind: 'give-up', reason: 'retries_exhausted', detail: `retries_exhausted: ${attempt} attempts, last error: ${tried.message}` };
  }
  return { kind: 'retry', delayMs: jitteredBackoff(attempt, policy.retryBaseMs, policy.retryMaxMs, random) };
}

/** A body that is not an order.created event at all never reaches the database. */
export function decideUnparseable(reason: string): Settlement {
  return { kind: 'dead-letter', reason: reason.startsWith('invalid_json') ? 'invalid_json' : 'invalid_event', detail: reason };
}

/**
 * The settlement of one delivery of an applied batch. `firstOfItsEvent` is
 * false for a second delivery of the same event_id in one batch: the event
 * counted once, the copy is a duplicate.
 */
export function decideSettlement(outcome: ApplyOutcome | undefined, customerId: number, firstOfItsEvent: boolean): Settlement {
  switch (outcome) {
    case 'unknown_customer':
      return { kind: 'dead-letter', reason: 'unknown_customer', detail: `unknown_customer: customer ${customerId} does not exist` };
    case 'applied':
      return { kind: 'ack', counted: firstOfItsEvent ? 'applied' : 'duplicate' };
    case 'duplicate':
    case undefined:
      return { kind: 'ack', counted: 'duplicate' };
  }
}
