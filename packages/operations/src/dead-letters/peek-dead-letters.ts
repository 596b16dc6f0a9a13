import type { DeadLetter } from './dead-letter.js';
import type { DeadLetterBroker } from './dead-letter-broker.js';
import { sweepDeadLetters } from './sweep-dead-letters.js';

export interface DeadLetterPeek {
  letters: DeadLetter[];
  /** How many were in the queue, shown or not. */
  total: number;
}

/** Up to `limit` dead letters, oldest first; every one stays in the queue, in order. */
export async function peekDeadLetters(broker: DeadLetterBroker, limit: number): Promise<DeadLetterPeek> {
  const { letters } = await sweepDeadLetters(broker, (all) => ({ dispositions: all.map(() => 'keep' as const), verdict: null }));
  return { letters: letters.slice(0, limit), total: letters.length };
}
