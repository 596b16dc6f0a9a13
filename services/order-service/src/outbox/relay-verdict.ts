import { jitteredBackoff } from '@orders/service-kit';
import type { PublishOutcome } from '@orders/service-kit/broker';

/** What becomes of one claimed outbox row once its publish has an outcome. */
export type RelayVerdict =
  | { kind: 'published' }
  /** Refused by the broker: one attempt spent, due again after the backoff. */
  | { kind: 'retry'; retryInMs: number; error: string }
  /** Refused, and that was its last attempt: it waits for an operator (npm run outbox -- retry). */
  | { kind: 'dead'; retryInMs: number; error: string }
  /** Nobody knows whether the broker has it: due again now, and no attempt spent. */
  | { kind: 'unconfirmed'; error: string };

export interface RelayPolicy {
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

/**
 * The relay's decision for one row, with the randomness of the backoff passed
 * in. An unconfirmed publish (a node lost mid-batch, no confirm in time) costs
 * no attempt: it was not the message's fault, and publishing it again is the
 * only way to be sure it gets out; the consumer's inbox makes a copy harmless.
 */
export function decideRelayVerdict(attemptsSoFar: number, outcome: PublishOutcome, policy: RelayPolicy, random: () => number = Math.random): RelayVerdict {
  switch (outcome.status) {
    case 'confirmed':
      return { kind: 'published' };
    case 'unconfirmed':
      return { kind: 'unconfirmed', error: outcome.error };
    case 'rejected': {
      const attempt = attemptsSoFar + 1;
      const retryInMs = jitteredBackoff(attempt, policy.backoffBaseMs, policy.backoffMaxMs, random);
      return attempt >= policy.maxAttempts ? { kind: 'dead', retryInMs, error: outcome.error } : { kind: 'retry', retryInMs, error: outcome.error };
    }
  }
}
