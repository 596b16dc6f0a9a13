import type { BenchBroker } from './bench-broker.js';
import type { BenchDatabases } from './bench-databases.js';
import type { BenchSettings, PipelineTuning, StepId } from './bench-settings.js';
import type { BenchSystem } from './bench-system.js';
import type { FigureSpec, Measured } from './figures.js';
import type { BacklogProbe } from './pipeline-backlog.js';
import type { Progress } from './progress.js';
import type { ResourceMonitor } from './resource-monitor.js';
import type { LatencyChartInput, ThroughputChartInput } from './svg-charts.js';

/** What every step gets: the running system, direct access to its stores, and a way to report progress. */
export interface BenchContext {
  /** The repository root: services run from their builds under it. */
  root: string;
  settings: BenchSettings;
  tuning: PipelineTuning;
  /** Aborted by Ctrl-C, the run's time budget, or a service crashing during the step. */
  signal: AbortSignal;
  system: BenchSystem;
  databases: BenchDatabases;
  broker: BenchBroker;
  backlog: BacklogProbe;
  progress: Progress;
  monitor: ResourceMonitor;
  /** The seeded customers' ids; orders and events are spread over them. */
  customerIds: number[];
  /** Numbers one step leaves for a later one (the sustained step compares itself with intake). */
  shared: SharedFigures;
  /** Pids outside the system that a step may compare with (the bare Node.js process). */
  referencePid: number | undefined;
}

export interface SharedFigures {
  httpIntakeRate?: number;
  httpIntakeP99Ms?: number;
}

export interface StepResult {
  /** Keyed by FigureSpec id. */
  measured: Record<string, Measured>;
  /** Everything measured, for the JSON file. */
  details: Record<string, unknown>;
  /** The step's section of the Markdown report: how it measured, and what it saw. */
  markdown: string[];
  charts?: { latency?: LatencyChartInput; throughput?: ThroughputChartInput };
}

export interface BenchStep {
  id: StepId;
  title: string;
  figures: FigureSpec[];
  run(context: BenchContext): Promise<StepResult>;
}
