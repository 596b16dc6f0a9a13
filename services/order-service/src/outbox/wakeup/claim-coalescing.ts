/**
 * Rows claimed per second over the last second, in ten buckets: cheap enough
 * to update on every batch, smooth enough to steer batching.
 */
export function createArrivalRate(now: () => number = Date.now) {
  const BUCKET_MS = 100;
  const buckets = new Array<number>(10).fill(0);
  let current = Math.floor(now() / BUCKET_MS);

  function advance(): void {
    const bucket = Math.floor(now() / BUCKET_MS);
    for (let step = current + 1; step <= Math.min(bucket, current + buckets.length); step += 1) buckets[step % buckets.length] = 0;
    current = Math.max(current, bucket);
  }

  return {
    record(rows: number): void {
      advance();
      const index = current % buckets.length;
      buckets[index] = (buckets[index] ?? 0) + rows;
    },
    perSecond(): number {
      advance();
      return buckets.reduce((total, count) => total + count, 0);
    },
  };
}

/**
 * How long to let rows gather before the next claim. Below `minRate` rows/s
 * nothing waits, so a lone order is published at once; above it the wait aims
 * at `targetRows` per batch, up to `maxMs`. Under load this turns a stream of
 * one-row transactions (one per commit, each a round of SQL and a publish)
 * into a few larger ones, which is what keeps the pipeline from eating the
 * CPU the order intake needs.
 */
export function coalescingDelayMs(ratePerSecond: number, options: { minRate: number; targetRows: number; maxMs: number }): number {
  if (options.maxMs <= 0 || ratePerSecond < options.minRate) return 0;
  return Math.min(options.maxMs, (options.targetRows / ratePerSecond) * 1000);
}
