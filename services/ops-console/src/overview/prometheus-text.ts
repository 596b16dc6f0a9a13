/**
 * The sum over every series of one metric in a Prometheus text exposition
 * (a counter across its labels, a histogram's _sum or _count), or undefined
 * when the metric is not there. Only what the overview needs: no labels
 * filter, no exemplars.
 */
export function sumOfMetric(exposition: string, name: string): number | undefined {
  let total: number | undefined;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const value = Number(rest.slice(rest.lastIndexOf('}') + 1).trim().split(' ')[0]);
    if (Number.isFinite(value)) total = (total ?? 0) + value;
  }
  return total;
}
