import type { StepResult } from './bench-step.js';
import type { Environment } from './environment.js';
import { formatRatio, formatValue, type Figure } from './figures.js';
import { table } from './markdown-table.js';

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

export type ChartName = 'latency' | 'throughput' | 'ratios';

/** A verdict as a table cell: a failure in capitals, so it stands out in a terminal too. */
export const verdictText = (verdict: Figure['verdict']): string =>
  verdict === 'fail' || verdict === 'error' ? verdict.toUpperCase() : verdict;

const cell = (text: string) => text.replace(/\|/g, '\\|');

function header(report: BenchReport): string[] {
  const env = report.environment;
  const quick = report.mode === 'quick';
  const changes = env.uncommittedChanges === true ? ' with uncommitted changes' : '';
  const commit = env.commit === undefined ? '' : `, commit ${env.commit}${changes}`;
  const tuning = Object.entries(env.tuning).map(([name, value]) => `${name}=${value}`);
  return [
    `# Benchmark: ${quick ? 'quick smoke run (small sizes, numbers not meaningful)' : 'full run'}`,
    '',
    `Run on ${env.date} by \`npm run bench${quick ? ' -- --quick' : ''}\`, ${report.seconds.toFixed(0)} s${commit}. ` +
      'Every figure is measured next to its baseline in the same run on the same machine.',
    '',
    ...table('machine | ', [
      ['CPUs', `${env.cpus} × ${cell(env.cpuModel)}`],
      ['memory', `${env.memoryGiB.toFixed(1)} GiB`],
      ['OS', cell(env.os)],
      ['Node.js', env.node],
      ['PostgreSQL', cell(env.postgres)],
      ['RabbitMQ', cell(env.rabbitmq)],
      ['service settings from the environment', tuning.length === 0 ? 'none (shipped defaults)' : cell(tuning.join(', '))],
    ]),
  ];
}

function summary(report: BenchReport): string[] {
  return table(
    'figure | value: | baseline: | ratio: | goal | result | note',
    report.figures.map((figure) => [
      cell(figure.title),
      formatValue(figure.value, figure.unit),
      `${formatValue(figure.baseline, figure.unit)} (${cell(figure.baselineLabel)})`,
      formatRatio(figure.ratio),
      cell(figure.goalText),
      figure.verdict === 'fail' || figure.verdict === 'error' ? `**${verdictText(figure.verdict)}**` : verdictText(figure.verdict),
      cell(figure.note ?? ''),
    ]),
  );
}

/** The report as Markdown; `chartFile` says where each chart was written (undefined: not drawn). */
export function markdownReport(report: BenchReport, chartFile: (name: ChartName) => string | undefined): string {
  const image = (name: ChartName, alt: string) => {
    const file = chartFile(name);
    return file === undefined ? [] : ['', `![${alt}](${file})`];
  };
  const lines = [
    ...header(report),
    '',
    '## Summary',
    '',
    ...summary(report),
    ...image('ratios', 'Figures as ratios to their baselines'),
  ];
  if (report.problems.length > 0) {
    lines.push('', '## Problems seen during the run', '', ...report.problems.map((problem) => `- ${cell(problem)}`));
  }
  const noisy = Object.entries(report.logLines).filter(([, counts]) => counts.errors + counts.warnings > 0);
  if (noisy.length > 0) {
    const perRole = noisy.map(([role, counts]) => `${role} ${counts.warnings} warn / ${counts.errors} error`);
    lines.push('', `Service log lines at warn or above: ${perRole.join(', ')}.`);
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
  const usage = [
    'npm run bench             # full run, about 5 minutes',
    'npm run bench -- --quick  # every step, small: a smoke run (CI)',
    'npm run bench -- --only=intake,latency',
  ];
  return [...lines, '', '## How to run', '', '```bash', ...usage, '```', ''].join('\n');
}
