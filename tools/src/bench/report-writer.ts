import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StepResult } from './bench-step.js';
import type { Environment } from './environment.js';
import { formatRatio, formatValue, type Figure } from './figures.js';
import { latencyChart, ratiosChart, throughputChart } from './svg-charts.js';

export interface StepOutcome {
  id: string;
  title: string;
  state: 'ran' | 'error' | 'not run';
  seconds: number;
  error?: string;
  result?: StepResult;
}

export interface BenchReport {
  mode: 'full' | 'quick';
  runId: string;
  startedAt: string;
  seconds: number;
  environment: Environment;
  figures: Figure[];
  steps: StepOutcome[];
  /** Crashes and other trouble seen during the run. */
  problems: string[];
  logLines: Record<string, { warnings: number; errors: number }>;
}

type ChartName = 'latency' | 'throughput' | 'ratios';

const VERDICT_TEXT: Record<Figure['verdict'], string> = { pass: 'pass', fail: 'FAIL', info: 'info', 'not run': 'not run', error: 'ERROR' };

/** The results table for the terminal: fixed-width columns, no colour, so it also reads in a CI log. */
export function formatTable(report: BenchReport): string {
  const header = ['figure', 'value', 'baseline', 'ratio', 'goal', 'result'];
  const rows = report.figures.map((figure) => [
    figure.title,
    formatValue(figure.value, figure.unit),
    formatValue(figure.baseline, figure.unit),
    formatRatio(figure.ratio),
    figure.goalText,
    VERDICT_TEXT[figure.verdict],
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const format = (cells: string[]) =>
    cells
      .map((cell, column) => (column >= 1 && column <= 3 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  const notes = report.figures.filter((figure) => figure.note !== undefined).map((figure) => `  ${figure.title}: ${figure.note ?? ''}`);
  const baselines = [...new Set(report.figures.map((figure) => `  ${figure.title}: ${figure.baselineLabel}`))];
  return [
    format(header),
    format(widths.map((width) => '-'.repeat(width))),
    ...rows.map(format),
    '',
    'baselines:',
    ...baselines,
    ...(notes.length > 0 ? ['', 'notes:', ...notes] : []),
    ...report.steps.filter((step) => step.state === 'error').map((step) => `\nstep ${step.id} failed: ${step.error ?? ''}`),
    '',
  ].join('\n');
}

function markdownReport(report: BenchReport, chartFile: (name: ChartName) => string | undefined): string {
  const env = report.environment;
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const figureRows = report.figures.map((figure) => {
    const verdict = figure.verdict === 'fail' || figure.verdict === 'error' ? `**${VERDICT_TEXT[figure.verdict]}**` : VERDICT_TEXT[figure.verdict];
    return (
      `| ${cell(figure.title)} | ${formatValue(figure.value, figure.unit)} | ${formatValue(figure.baseline, figure.unit)} ` +
      `(${cell(figure.baselineLabel)}) | ${formatRatio(figure.ratio)} | ${cell(figure.goalText)} | ${verdict} | ${cell(figure.note ?? '')} |`
    );
  });
  const image = (name: ChartName, alt: string) => {
    const file = chartFile(name);
    return file === undefined ? [] : ['', `![${alt}](${file})`];
  };
  const tuning = Object.entries(env.tuning);
  const lines = [
    `# Benchmark: ${report.mode === 'quick' ? 'quick smoke run (small sizes, numbers not meaningful)' : 'full run'}`,
    '',
    `Run on ${env.date} by \`npm run bench${report.mode === 'quick' ? ' -- --quick' : ''}\`, ${report.seconds.toFixed(0)} s` +
      `${env.commit === undefined ? '' : `, commit ${env.commit}${env.uncommittedChanges === true ? ' with uncommitted changes' : ''}`}. ` +
      'Every figure is measured next to its baseline in the same run on the same machine.',
    '',
    '| machine | |',
    '|---|---|',
    `| CPUs | ${env.cpus} × ${cell(env.cpuModel)} |`,
    `| memory | ${env.memoryGiB.toFixed(1)} GiB |`,
    `| OS | ${cell(env.os)} |`,
    `| Node.js | ${env.node} |`,
    `| PostgreSQL | ${cell(env.postgres)} |`,
    `| RabbitMQ | ${cell(env.rabbitmq)} |`,
    `| service settings from the environment | ${tuning.length === 0 ? 'none (shipped defaults)' : cell(tuning.map(([name, value]) => `${name}=${value}`).join(', '))} |`,
    '',
    '## Summary',
    '',
    '| figure | value | baseline | ratio | goal | result | note |',
    '|---|---:|---:|---:|---|---|---|',
    ...figureRows,
    ...image('ratios', 'Figures as ratios to their baselines'),
  ];
  if (report.problems.length > 0) lines.push('', '## Problems seen during the run', '', ...report.problems.map((problem) => `- ${cell(problem)}`));
  const noisy = Object.entries(report.logLines).filter(([, counts]) => counts.errors + counts.warnings > 0);
  if (noisy.length > 0) {
    lines.push('', `Service log lines at warn or above: ${noisy.map(([role, counts]) => `${role} ${counts.warnings} warn / ${counts.errors} error`).join(', ')}.`);
  }
  for (const step of report.steps) {
    lines.push('', `## ${step.title.charAt(0).toUpperCase()}${step.title.slice(1)}`, '');
    if (step.state !== 'ran' || step.result === undefined) {
      lines.push(step.state === 'error' ? `Failed after ${step.seconds.toFixed(0)} s: ${cell(step.error ?? 'unknown error')}` : 'Not run.');
      continue;
    }
    lines.push(...step.result.markdown, '', `(${step.seconds.toFixed(0)} s)`);
    if (step.result.charts?.latency !== undefined) lines.push(...image('latency', 'End-to-end latency distribution'));
    if (step.result.charts?.throughput !== undefined) lines.push(...image('throughput', 'Throughput against offered load'));
  }
  lines.push('', '## How to run', '', '```bash', 'npm run bench             # full run, about 5 minutes', 'npm run bench -- --quick  # every step, small: a smoke run (CI)', 'npm run bench -- --only=intake,latency', '```', '');
  return lines.join('\n');
}

function charts(report: BenchReport): Partial<Record<ChartName, string>> {
  const result: Partial<Record<ChartName, string>> = {};
  for (const step of report.steps) {
    const latency = step.result?.charts?.latency;
    const throughput = step.result?.charts?.throughput;
    if (latency !== undefined) result.latency = latencyChart(latency);
    if (throughput !== undefined) result.throughput = throughputChart(throughput);
  }
  if (report.figures.some((figure) => figure.goal.kind === 'ratio-at-least' && figure.ratio !== null)) result.ratios = ratiosChart(report.figures);
  return result;
}

/**
 * bench-results/bench-<timestamp>.{json,md} and its SVGs; for a full run of
 * every step also docs/benchmarks/latest.md with its SVGs, the report meant
 * to be committed and linked from the README.
 */
/** A timestamp usable in a file name: 2026-11-25T09-42-44Z. */
export function fileStamp(isoDate: string): string {
  return isoDate.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

export async function writeReports(report: BenchReport, options: { root: string; writeDocs: boolean }): Promise<string[]> {
  const stamp = fileStamp(report.startedAt);
  const resultsDir = path.join(options.root, 'bench-results');
  const docsDir = path.join(options.root, 'docs', 'benchmarks');
  const svgs = charts(report);
  const written: string[] = [];
  const save = async (file: string, content: string) => {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    written.push(path.relative(options.root, file));
  };

  const runFile = (name: ChartName) => (svgs[name] === undefined ? undefined : `bench-${stamp}-${name}.svg`);
  for (const [name, svg] of Object.entries(svgs)) await save(path.join(resultsDir, `bench-${stamp}-${name}.svg`), svg);
  await save(path.join(resultsDir, `bench-${stamp}.md`), markdownReport(report, runFile));
  await save(path.join(resultsDir, `bench-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);

  if (options.writeDocs) {
    const docsFile = (name: ChartName) => (svgs[name] === undefined ? undefined : `${name}.svg`);
    for (const [name, svg] of Object.entries(svgs)) await save(path.join(docsDir, `${name}.svg`), svg);
    await save(path.join(docsDir, 'latest.md'), markdownReport(report, docsFile));
  }
  return written;
}
