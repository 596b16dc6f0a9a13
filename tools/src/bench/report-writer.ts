import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatRatio, formatValue } from './figures.js';
import { markdownReport, verdictText, type BenchReport, type ChartName } from './markdown-report.js';
import { latencyChart, ratiosChart, throughputChart } from './svg-charts.js';

/** The results table for the terminal: fixed-width columns, no colour, so it also reads in a CI log. */
export function formatTable(report: BenchReport): string {
  const header = ['figure', 'value', 'baseline', 'ratio', 'goal', 'result'];
  const rows = report.figures.map((figure) => [
    figure.title,
    formatValue(figure.value, figure.unit),
    formatValue(figure.baseline, figure.unit),
    formatRatio(figure.ratio),
    figure.goalText,
    verdictText(figure.verdict),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  // The value, baseline and ratio columns are numbers: right-aligned.
  const pad = (cell: string, column: number) =>
    column >= 1 && column <= 3 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0);
  const format = (cells: string[]) => cells.map(pad).join('  ').trimEnd();
  const notes = report.figures.filter((figure) => figure.note !== undefined).map((figure) => `  ${figure.title}: ${figure.note ?? ''}`);
  return [
    format(header),
    format(widths.map((width) => '-'.repeat(width))),
    ...rows.map(format),
    '',
    'baselines:',
    ...new Set(report.figures.map((figure) => `  ${figure.title}: ${figure.baselineLabel}`)),
    ...(notes.length > 0 ? ['', 'notes:', ...notes] : []),
    ...report.steps.filter((step) => step.state === 'error').map((step) => `\nstep ${step.id} failed: ${step.error ?? ''}`),
    '',
  ].join('\n');
}

function charts(report: BenchReport): Partial<Record<ChartName, string>> {
  const result: Partial<Record<ChartName, string>> = {};
  for (const { result: stepResult } of report.steps) {
    if (stepResult?.charts?.latency !== undefined) result.latency = latencyChart(stepResult.charts.latency);
    if (stepResult?.charts?.throughput !== undefined) result.throughput = throughputChart(stepResult.charts.throughput);
  }
  const ratios = report.figures.some((figure) => figure.goal.kind === 'ratio-at-least' && figure.ratio !== null);
  if (ratios) result.ratios = ratiosChart(report.figures);
  return result;
}

/** A timestamp usable in a file name: 2026-11-25T09-42-44Z. */
export const fileStamp = (isoDate: string): string => isoDate.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');

/**
 * bench-results/bench-<timestamp>.{json,md} and its SVGs; for a full run of
 * every step also docs/benchmarks/latest.md with its SVGs, the report meant
 * to be committed and linked from the README.
 */
export async function writeReports(report: BenchReport, options: { root: string; writeDocs: boolean }): Promise<string[]> {
  const stamp = fileStamp(report.startedAt);
  const svgs = charts(report);
  const written: string[] = [];
  const save = async (file: string, content: string) => {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    written.push(path.relative(options.root, file));
  };
  const writeSet = async (dir: string, chartFile: (name: string) => string, reportFile: string) => {
    for (const [name, svg] of Object.entries(svgs)) await save(path.join(dir, chartFile(name)), svg);
    await save(path.join(dir, reportFile), markdownReport(report, (name) => (svgs[name] === undefined ? undefined : chartFile(name))));
  };
  const resultsDir = path.join(options.root, 'bench-results');
  await writeSet(resultsDir, (name) => `bench-${stamp}-${name}.svg`, `bench-${stamp}.md`);
  await save(path.join(resultsDir, `bench-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  if (options.writeDocs) await writeSet(path.join(options.root, 'docs', 'benchmarks'), (name) => `${name}.svg`, 'latest.md');
  return written;
}
