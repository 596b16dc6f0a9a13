export interface Distribution {
  count: number;
  mean: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function summarize(values: readonly number[]): Distribution {
  const sorted = Float64Array.from(values).sort();
  const list = Array.from(sorted);
  const sum = list.reduce((total, value) => total + value, 0);
  return {
    count: list.length,
    mean: list.length === 0 ? Number.NaN : sum / list.length,
    min: list[0] ?? Number.NaN,
    p50: percentile(list, 0.5),
    p90: percentile(list, 0.9),
    p99: percentile(list, 0.99),
    p999: percentile(list, 0.999),
    max: list[list.length - 1] ?? Number.NaN,
  };
}

/** Least-squares slope of y over x: how fast a sampled quantity grows. */
export function slope(points: ReadonlyArray<{ x: number; y: number }>): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const meanX = points.reduce((total, point) => total + point.x, 0) / n;
  const meanY = points.reduce((total, point) => total + point.y, 0) / n;
  let numerator = 0;
  let denominator = 0;
  for (const point of points) {
    numerator += (point.x - meanX) * (point.y - meanY);
    denominator += (point.x - meanX) ** 2;
  }
  return denominator === 0 ? 0 : numerator / denominator;
}

export interface HistogramBin {
  /** Lower edge, inclusive. */
  from: number;
  /** Upper edge, exclusive; the last bin is open-ended ("and over"). */
  to: number;
  count: number;
  open: boolean;
}

/**
 * Equal-width bins up to a little past the 99.9th percentile, plus one
 * open-ended bin for the tail, so a few outliers do not squash the chart.
 */
export function histogram(values: readonly number[], bins = 40): HistogramBin[] {
  if (values.length === 0) return [];
  const sorted = Array.from(Float64Array.from(values).sort());
  const top = Math.max(1, percentile(sorted, 0.999) * 1.1);
  const width = Math.max(1, Math.ceil(top / bins));
  const result: HistogramBin[] = Array.from({ length: bins }, (_, index) => ({ from: index * width, to: (index + 1) * width, count: 0, open: false }));
  const tail: HistogramBin = { from: bins * width, to: Number.POSITIVE_INFINITY, count: 0, open: true };
  for (const value of sorted) {
    const bin = result[Math.floor(Math.max(0, value) / width)];
    if (bin === undefined) tail.count += 1;
    else bin.count += 1;
  }
  while (result.length > 1 && result[result.length - 1]?.count === 0) result.pop();
  return tail.count > 0 ? [...result, tail] : result;
}
