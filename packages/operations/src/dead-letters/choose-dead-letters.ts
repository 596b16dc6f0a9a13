import { isSelected, type DeadLetter, type DeadLetterSelector } from './dead-letter.js';
import type { Disposition } from './sweep-dead-letters.js';

export interface Choice {
  dispositions: Disposition[];
  /** Named event_ids not in the queue; when there are any, every letter is kept. */
  missingEventIds: string[];
}

/**
 * Which letters an action applies to: those the selector names, the first
 * `limit` of them. Named event_ids that are not all there refuse the whole
 * action, so an operator never acts on half of what they asked for.
 */
export function chooseDeadLetters(
  letters: DeadLetter[],
  selector: DeadLetterSelector,
  action: Exclude<Disposition, 'keep'>,
  limit = Number.MAX_SAFE_INTEGER,
): Choice {
  if ('eventIds' in selector) {
    const present = new Set(letters.map((letter) => letter.eventId));
    const missingEventIds = selector.eventIds.filter((id) => !present.has(id));
    if (missingEventIds.length > 0) return { dispositions: letters.map(() => 'keep'), missingEventIds };
  }
  let chosen = 0;
  const dispositions = letters.map((letter): Disposition => {
    if (chosen >= limit || !isSelected(selector, letter)) return 'keep';
    chosen += 1;
    return action;
  });
  return { dispositions, missingEventIds: [] };
}
