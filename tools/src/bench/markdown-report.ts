import { table, type StepResult } from './bench-step.js';
import type { Environment } from './environment.js';
import { formatRatio, formatValue, type Figure } from './figures.js';

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

/** The figures table, also what the terminal shows: a failure in bold capitals stands out there too. */
export const summaryTable = (figures: readonly Figure[]): string[] =>
  table(
    figures.map((figure) => ({
      figure: figure.title,
      value: formatValue(figure.value, figure.unit),
      baseline: `${formatValue(figure.baseline, figure.unit)} (${figure.baselineLabel})`,
      ratio: formatRatio(figure.ratio),
      goal: figure.goalText,
      result: figure.verdict === 'fail' || figure.verdict === 'error' ? `**${figure.verdict.toUpperCase()}**` : figure.verdict,
      note: figure.note ?? '',
    })),
    ['value', 'baseline', 'ratio'],
  );

function header({ environment: env, mode, seconds }: BenchReport): string[] {
  const commit =
    env.commit === undefined ? '' : `, commit ${env.commit}${env.uncommittedChanges === true ? ' with uncommitted changes' : ''}`;
  const tuning = Object.entries(env.tuning).map(([name, value]) => `${name}=${value}`);
  return [
    `# Benchmark: ${mode === 'quick' ? 'quick smoke run (small sizes, numbers not meaningful)' : 'full run'}`,
    '',
    `Run on ${env.date} by \`npm run bench${mode === 'quick' ? ' -- --quick' : ''}\`, ${seconds.toFixed(0)} s${commit}. ` +
      'Every figure is measured next to its baseline in the same run on the same machine.',
    '',
    ...table(
      Object.entries({
        CPUs: `${env.cpus} × ${env.cpuModel}`,
        memory: `${env.memoryGiB.toFixed(1)} GiB`,
        OS: env.os,
        'Node.js': env.node,
        PostgreSQL: env.postgres,
        RabbitMQ: env.rabbitmq,
        'service settings from the environment': tuning.length === 0 ? 'none (shipped defaults)' : tuning.join(', '),
      }).map(([machine, value]) => ({ machine, value })),
    ),
  ];
}

/** The report as Markdown; `chartFile` says where each chart was written (undefined: not drawn). */
export function markdownReport(report: BenchReport, chartFile: (name: ChartName) => string | undefined): string {
  const image = (name: ChartName, alt: string) => (chartFile(name) === undefined ? [] : ['', `![${alt}](${chartFile(name) ?? ''})`]);
  const noisy = Object.entries(report.logLines).filter(([, counts]) => counts.errors + counts.warnings > 0);
  const lines = [
    ...header(report),
    '',
    '## Summary',
    '',
    ...summaryTable(report.figures),
    ...image('ratios', 'Figures as ratios to their baselines'),
  ];
  if (report.problems.length > 0) {
    lines.push('', '## Problems seen during the run', '', ...report.problems.map((problem) => `- ${problem}`));
  }
  if (noisy.length > 0) {
    const perRole = noisy.map(([role, counts]) => `${role} ${counts.warnings} warn / ${counts.errors} error`);
    lines.push('', `Service log lines at warn or above: ${perRole.join(', ')}.`);
  }
  for (const { title, state, seconds, error, result } of report.steps) {
    lines.push('', `## ${title.charAt(0).toUpperCase()}${title.slice(1)}`, '');
    if (result === undefined) {
      lines.push(state === 'error' ? `Failed after ${seconds.toFixed(0)} s: ${error ?? 'unknown error'}` : 'Not run.');
    } else {
      lines.push(
        result.method,
        '',
        ...table(result.rows),
        ...(result.notes ?? []).flatMap((note) => ['', note]),
        '',
        `(${seconds.toFixed(0)} s)`,
      );
    }
    if (result?.charts?.latency !== undefined) lines.push(...image('latency', 'End-to-end latency distribution'));
    if (result?.charts?.throughput !== undefined) lines.push(...image('throughput', 'Throughput against offered load'));
  }
  const usage = [
    'npm run bench             # full run, about 4 minutes',
    'npm run bench -- --quick  # every step, small: a smoke run (CI)',
  ];
  return [...lines, '', '## How to run', '', '```bash', ...usage, 'npm run bench -- --only=intake,latency', '```', ''].join('\n');
}
