const ascending = (values: readonly number[]) => Array.from(Float64Array.from(values).sort());

/** Nearest-rank percentile of an ascending array. */
const percentile = (sorted: readonly number[], fraction: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] ?? Number.NaN;

export function summarize(values: readonly number[]) {
  const sorted = ascending(values);
  const at = (fraction: number) => percentile(sorted, fraction);
  const mean = sorted.reduce((total, value) => total + value, 0) / sorted.length;
  return { count: sorted.length, mean, p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: sorted.at(-1) ?? Number.NaN };
}
export type Distribution = ReturnType<typeof summarize>;

/** Least-squares slope of y over x: how fast a sampled quantity grows. */
export function slope(points: ReadonlyArray<{ x: number; y: number }>): number {
  const mean = (of: (point: { x: number; y: number }) => number) => points.reduce((total, point) => total + of(point), 0) / points.length;
  const [meanX, meanY] = [mean((point) => point.x), mean((point) => point.y)];
  const variance = points.length < 2 ? 0 : mean((point) => (point.x - meanX) ** 2);
  return variance === 0 ? 0 : mean((point) => (point.x - meanX) * (point.y - meanY)) / variance;
}

/** Lower edge inclusive, upper exclusive; the last bin may be open-ended ("and over"). */
export interface HistogramBin {
  from: number;
  to: number;
  count: number;
  open: boolean;
}

/** 40 equal-width bins up to a little past the 99.9th percentile, and one open-ended bin for the tail, so a few outliers do not squash the chart. */
export function histogram(values: readonly number[]): HistogramBin[] {
  if (values.length === 0) return [];
  const sorted = ascending(values);
  const width = Math.max(1, Math.ceil(Math.max(1, percentile(sorted, 0.999) * 1.1) / 40));
  const bins = Array.from({ length: 40 }, (_, index): HistogramBin => ({
    from: index * width,
    to: (index + 1) * width,
    count: 0,
    open: false,
  }));
  const tail: HistogramBin = { from: 40 * width, to: Number.POSITIVE_INFINITY, count: 0, open: true };
  for (const value of sorted) (bins[Math.floor(Math.max(0, value) / width)] ?? tail).count += 1;
  while (bins.length > 1 && bins.at(-1)?.count === 0) bins.pop();
  return tail.count > 0 ? [...bins, tail] : bins;
}
