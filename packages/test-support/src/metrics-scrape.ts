/**
 * A process's Prometheus /metrics as metric name → value summed over all
 * label sets. Never throws: a scrape that does not answer (the process may be
 * stopping) gives an empty map.
 */
export async function scrapeMetrics(port: number | undefined): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  if (port === undefined) return totals;
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2_000) });
    for (const line of (await response.text()).split('\n')) {
      const name = line.startsWith('#') ? undefined : /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
      const value = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (name !== undefined && Number.isFinite(value)) totals.set(name, (totals.get(name) ?? 0) + value);
    }
  } catch {
    // Nothing to read: the caller's figures do not depend on it.
  }
  return totals;
}

/** Mean of a Prometheus histogram: _sum / _count. */
export function histogramMean(totals: Map<string, number>, name: string): number | undefined {
  const count = totals.get(`${name}_count`) ?? 0;
  return count === 0 ? undefined : (totals.get(`${name}_sum`) ?? 0) / count;
}
