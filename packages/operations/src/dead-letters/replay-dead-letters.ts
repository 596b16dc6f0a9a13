import type { Result } from '@orders/service-kit';
import type { DeadLetterSelector } from './dead-letter.js';
import type { DeadLetterBroker } from './dead-letter-broker.js';
import { chooseDeadLetters } from './choose-dead-letters.js';
import { sweepDeadLetters } from './sweep-dead-letters.js';

export type DeadLetterActionResult = Result<
  { count: number },
  | { error: 'not_found'; missingEventIds: string[] }
  /** The broker did not confirm some copies; those letters are still in the queue. */
  | { error: 'not_confirmed'; count: number; unconfirmed: number }
>;

/**
 * Publishes the selected dead letters to the orders exchange again, as they
 * were before they failed, and removes each only after the broker confirmed
 * its copy. Safe: the consumer applies an event_id once. A letter that fails
 * again comes back to the queue and is not replayed in a loop: a sweep takes
 * only what was there when it began.
 */
export async function replayDeadLetters(
  broker: DeadLetterBroker,
  selector: DeadLetterSelector,
  limit?: number,
): Promise<DeadLetterActionResult> {
  const result = await sweepDeadLetters(broker, (letters) => {
    const choice = chooseDeadLetters(letters, selector, 'replay', limit);
    return { dispositions: choice.dispositions, verdict: choice.missingEventIds };
  });
  if (result.verdict.length > 0) return { ok: false, error: 'not_found', missingEventIds: result.verdict };
  if (result.unconfirmed > 0) return { ok: false, error: 'not_confirmed', count: result.replayed, unconfirmed: result.unconfirmed };
  return { ok: true, count: result.replayed };
}
