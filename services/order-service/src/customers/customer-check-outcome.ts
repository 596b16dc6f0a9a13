/** What the order's customer check concludes; create-order maps it to 201, 422 or 503. */
export type CustomerCheck =
  | { status: 'found' }
  | { status: 'not_found' }
  | { status: 'unavailable'; retryAfterSeconds: number; reason: string };

/** How one HTTP answer of Customer Service is read. */
export type AnswerReading = 'found' | 'not_found' | 'transient' | 'unusable';

/**
 * 200 yes, 404 no; 5xx and 429 are worth another try; anything else (a 401
 * for a wrong API key, say) is an answer that means neither yes nor no.
 */
export function readAnswer(statusCode: number): AnswerReading {
  if (statusCode === 200) return 'found';
  if (statusCode === 404) return 'not_found';
  if (statusCode >= 500 || statusCode === 429) return 'transient';
  return 'unusable';
}

/** Why no answer came, once the retries are spent. */
export type CheckFailure = { kind: 'circuit-open'; openedAt: number; cooldownMs: number } | { kind: 'timeout' } | { kind: 'failed'; message: string };

/**
 * The outcome when Customer Service could not answer, with the clock passed
 * in: while the circuit is open the client is told to come back when it may
 * close (at least a second from now); otherwise in a second.
 */
export function unavailableOutcome(failure: CheckFailure, now: number): CustomerCheck {
  switch (failure.kind) {
    case 'circuit-open': {
      const remainingMs = failure.openedAt + failure.cooldownMs - now;
      return { status: 'unavailable', retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)), reason: 'circuit open' };
    }
    case 'timeout':
      return { status: 'unavailable', retryAfterSeconds: 1, reason: 'timeout' };
    case 'failed':
      return { status: 'unavailable', retryAfterSeconds: 1, reason: failure.message };
  }
}
