import { jitteredBackoff } from '../lifecycle/retry-delay.js';

/**
 * Which node to try next and how long to wait first, as a pure function of
 * where we were and how many attempts have failed in a row.
 *
 * The list is tried IN ORDER, starting after the node just lost, not shuffled.
 * The first URL is the operator's preferred node (the nearest one, say), and a
 * quorum queue is served from whichever node a client is connected to, so
 * spreading clients at random buys no safety; what an operator needs is to be
 * able to predict where each process goes. Whoever wants the load spread lists
 * the nodes in a different order per process. A process stays on the node it
 * failed over to (no flapping back) until that node is lost in turn.
 */
export interface FailoverStep {
  /** Index into the node list. */
  node: number;
  /** Wait this long before the attempt. */
  delayMs: number;
}

export interface FailoverPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * `from` is the node of the previous attempt (or the node just lost);
 * `failures` counts the attempts that failed since the last connection (0
 * right after losing one). The wait grows with jittered backoff, so many
 * processes that lost the same node do not all arrive at the next one in
 * lockstep, and a cluster that is down entirely is not hammered.
 */
export function nextFailoverStep(
  nodeCount: number,
  from: number,
  failures: number,
  policy: FailoverPolicy,
  random: () => number = Math.random,
): FailoverStep {
  return {
    node: (from + 1) % nodeCount,
    delayMs: jitteredBackoff(failures + 1, policy.initialDelayMs, policy.maxDelayMs, random),
  };
}
