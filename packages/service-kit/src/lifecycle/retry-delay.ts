/**
 * Exponential backoff with "equal jitter": half of base * 2^(attempt-1)
 * (capped) plus a random share of the other half. The fixed half keeps a
 * retry from coming back at once; the random half keeps many failing rows or
 * consumers from retrying in lockstep.
 */
export function jitteredBackoff(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
