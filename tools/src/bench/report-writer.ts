import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { markdownReport, type BenchReport, type ChartName } from './markdown-report.js';
import { latencyChart, ratiosChart, throughputChart } from './svg-charts.js';

function charts(report: BenchReport): Partial<Record<ChartName, string>> {
  const drawn: Partial<Record<ChartName, string>> = {};
  for (const { charts: input } of report.steps.flatMap((step) => step.result ?? [])) {
    if (input?.latency !== undefined) drawn.latency = latencyChart(input.latency);
    if (input?.throughput !== undefined) drawn.throughput = throughputChart(input.throughput);
  }
  if (report.figures.some((figure) => figure.goal.ratioAtLeast !== undefined && figure.ratio !== null)) {
    drawn.ratios = ratiosChart(report.figures);
  }
  return drawn;
}

/** A timestamp usable in a file name: 2026-11-25T09-42-44Z. */
const fileStamp = (isoDate: string): string => isoDate.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');

/**
 * bench-results/bench-<timestamp>.{json,md} with its SVGs; for a full run of
 * every step also docs/benchmarks/latest.md with its SVGs, the report meant
 * to be committed and linked from the README. Returns the files written.
 */
export async function writeReports(report: BenchReport, root: string, writeDocs: boolean): Promise<string[]> {
  const stamp = fileStamp(report.startedAt);
  const svgs = charts(report);
  const written: string[] = [];
  const save = async (file: string, content: string) => {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    written.push(path.relative(root, file));
  };
  const writeSet = async (dir: string, chartFile: (name: string) => string, reportFile: string) => {
    for (const [name, svg] of Object.entries(svgs)) await save(path.join(dir, chartFile(name)), svg);
    await save(
      path.join(dir, reportFile),
      markdownReport(report, (name) => (svgs[name] === undefined ? undefined : chartFile(name))),
    );
  };
  const resultsDir = path.join(root, 'bench-results');
  await writeSet(resultsDir, (name) => `bench-${stamp}-${name}.svg`, `bench-${stamp}.md`);
  await save(path.join(resultsDir, `bench-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  if (writeDocs) await writeSet(path.join(root, 'docs', 'benchmarks'), (name) => `${name}.svg`, 'latest.md');
  return written;
}
