/**
 * Above this many hint requests per second (group-commit batches), hints are
 * spaced `BUSY_GAP_MS` apart. At such rates the worker already lets rows
 * gather for tens of milliseconds before it claims (claim-coalescing.ts), so
 * a hint a few milliseconds later changes nothing, while each NOTIFY saved is
 * a transaction, a turn on PostgreSQL's notification lock and a message to the
 * listener. Below it every hint goes out at once, so a lone order still
 * reaches the worker within milliseconds.
 */
const BUSY_HINTS_PER_SECOND = 400;
const BUSY_GAP_MS = 10;

/** How long to hold the next hint, given the time since the last one was sent and how often hints are asked for. */
export function hintDelayMs(sinceLastMs: number, requestsPerSecond: number): number {
  if (requestsPerSecond < BUSY_HINTS_PER_SECOND) return 0;
  return Math.max(0, BUSY_GAP_MS - sinceLastMs);
}
