/**
 * Reads a service's Prometheus /metrics into metric name → summed value (over
 * all label sets), so a step can say where the time went (batch sizes and
 * durations) next to its figure. Never fails the step: a scrape that does
 * not answer gives an empty map.
 */
export async function scrapeMetrics(port: number | undefined): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  if (port === undefined) return totals;
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2_000) });
    for (const line of (await response.text()).split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
      const value = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (name !== undefined && Number.isFinite(value)) totals.set(name, (totals.get(name) ?? 0) + value);
    }
  } catch {
    // The process may be stopping; the figures do not depend on it.
  }
  return totals;
}

/** Mean of a Prometheus histogram: _sum / _count. */
export function histogramMean(totals: Map<string, number>, name: string): number | undefined {
  const sum = totals.get(`${name}_sum`);
  const count = totals.get(`${name}_count`);
  return sum === undefined || count === undefined || count === 0 ? undefined : sum / count;
}
