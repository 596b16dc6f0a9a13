import type { StepId } from './bench-settings.js';
import type { RunResources } from './bench-setup.js';
import type { FigureSpec, Measured } from './figures.js';
import { placeOrdersAsFastAsPossible, placeOrdersAtRate } from './http-loads.js';
import { orderRequestBodies } from './order-events.js';
import { readCounters } from './pipeline-probe.js';
import type { LatencyChartInput, ThroughputChartInput } from './svg-charts.js';

/** What a step gets: the run's resources (bench-setup.ts), its own abort signal, and the loads and waits every step uses. */
export type BenchContext = ReturnType<typeof stepContext>;

/** `signal` is aborted by Ctrl-C, the run's time budget, or a service crashing during the step. */
export function stepContext(resources: RunResources, signal: AbortSignal) {
  const { system, customerIds, backlog } = resources;
  const bodies = orderRequestBodies(customerIds);
  return {
    ...resources,
    signal,
    /** Closed-loop HTTP intake over `connections`. */
    load: (connections: number, seconds: number) =>
      placeOrdersAsFastAsPossible(system.orderServiceUrl, bodies, connections, seconds, signal),
    /** Open-loop HTTP intake at `rate` orders/s. */
    paced: (rate: number, seconds: number) => placeOrdersAtRate(system.orderServiceUrl, customerIds, rate, seconds, signal),
    /** Until the pipeline applied every order stored so far. */
    drained: (timeoutMs = 60_000) => backlog.waitUntilDrained(timeoutMs, signal),
    counters: () => readCounters(system),
  };
}

/** A table row: its keys are the columns; numbers (already rounded) are right-aligned, null is a dash. */
export type Row = Record<string, string | number | null>;

export interface StepResult {
  /** Keyed by FigureSpec id. */
  measured: Record<string, Measured>;
  /** How the step measured: the first paragraph of its section in the report. */
  method: string;
  /** What it saw, as one table in the report and as data in the JSON file. */
  rows: Row[];
  /** Sentences under the table. */
  notes?: string[];
  charts?: { latency?: LatencyChartInput; throughput?: ThroughputChartInput };
}

export interface BenchStep {
  id: StepId;
  title: string;
  figures: FigureSpec[];
  run: (context: BenchContext) => Promise<StepResult>;
}

/** `value` rounded to `digits` decimals, null when it is no number: what a table cell holds. */
export const round = (value: number | null | undefined, digits = 0): number | null =>
  value === null || value === undefined || !Number.isFinite(value) ? null : Number(value.toFixed(digits));

/** A Markdown table of rows with the same keys; a column of numbers is right-aligned, and so are the columns named in `right`. */
export function table(rows: readonly Row[], right: readonly string[] = []): string[] {
  const columns = Object.keys(rows[0] ?? {});
  const numeric = columns.map((column) => right.includes(column) || rows.every((row) => typeof row[column] !== 'string'));
  const cell = (value: string | number | null | undefined) =>
    typeof value === 'number' ? value.toLocaleString('en-US') : (value ?? '—').replace(/\|/g, '\\|');
  return [
    `| ${columns.join(' | ')} |`,
    `|${numeric.map((right) => (right ? '---:' : '---')).join('|')}|`,
    ...rows.map((row) => `| ${columns.map((column) => cell(row[column])).join(' | ')} |`),
  ];
}
