/** One reading of the consumer's counters, as scraped from its /metrics. */
export interface ConsumerSample {
  atMs: number;
  applied: number;
  lagSum: number;
  lagCount: number;
}

export interface PipelineRates {
  /** Events applied per second between the last two readings. */
  appliedPerSecond: number | null;
  /** Mean end-to-end lag (order stored → event applied) of the events applied between them. */
  endToEndLagSeconds: number | null;
}

/**
 * Rates from two readings of cumulative counters. A counter that went down
 * means the consumer restarted; that interval says nothing, so no rate.
 */
export function pipelineRates(previous: ConsumerSample | undefined, latest: ConsumerSample | undefined): PipelineRates {
  if (previous === undefined || latest === undefined || latest.atMs <= previous.atMs) return { appliedPerSecond: null, endToEndLagSeconds: null };
  const applied = latest.applied - previous.applied;
  const lagCount = latest.lagCount - previous.lagCount;
  if (applied < 0 || lagCount < 0) return { appliedPerSecond: null, endToEndLagSeconds: null };
  return {
    appliedPerSecond: applied / ((latest.atMs - previous.atMs) / 1000),
    endToEndLagSeconds: lagCount === 0 ? null : (latest.lagSum - previous.lagSum) / lagCount,
  };
}
