const ascending = (values: readonly number[]) => Array.from(Float64Array.from(values).sort());

/** Nearest-rank percentile of an ascending array. */
const percentile = (sorted: readonly number[], fraction: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] ?? Number.NaN;

export function summarize(values: readonly number[]) {
  const sorted = ascending(values);
  const at = (fraction: number) => percentile(sorted, fraction);
  const mean = sorted.reduce((total, value) => total + value, 0) / sorted.length;
  return {
    count: sorted.length,
    mean,
    min: sorted[0] ?? Number.NaN,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    p999: at(0.999),
    max: sorted.at(-1) ?? Number.NaN,
  };
}
export type Distribution = ReturnType<typeof summarize>;

/** Least-squares slope of y over x: how fast a sampled quantity grows. */
export function slope(points: ReadonlyArray<{ x: number; y: number }>): number {
  const mean = (of: (point: { x: number; y: number }) => number) => points.reduce((total, point) => total + of(point), 0) / points.length;
  const meanX = mean((point) => point.x);
  const meanY = mean((point) => point.y);
  const denominator = points.length < 2 ? 0 : mean((point) => (point.x - meanX) ** 2);
  return denominator === 0 ? 0 : mean((point) => (point.x - meanX) * (point.y - meanY)) / denominator;
}

export interface HistogramBin {
  /** Lower edge, inclusive; upper edge exclusive. */
  from: number;
  to: number;
  count: number;
  /** The last bin may be open-ended ("and over"). */
  open: boolean;
}

/**
 * Equal-width bins up to a little past the 99.9th percentile, plus one
 * open-ended bin for the tail, so a few outliers do not squash the chart.
 */
export function histogram(values: readonly number[]): HistogramBin[] {
  const bins = 40;
  if (values.length === 0) return [];
  const sorted = ascending(values);
  const width = Math.max(1, Math.ceil(Math.max(1, percentile(sorted, 0.999) * 1.1) / bins));
  const result = Array.from({ length: bins }, (_, index): HistogramBin => ({
    from: index * width,
    to: (index + 1) * width,
    count: 0,
    open: false,
  }));
  const tail: HistogramBin = { from: bins * width, to: Number.POSITIVE_INFINITY, count: 0, open: true };
  for (const value of sorted) (result[Math.floor(Math.max(0, value) / width)] ?? tail).count += 1;
  while (result.length > 1 && result.at(-1)?.count === 0) result.pop();
  return tail.count > 0 ? [...result, tail] : result;
}
