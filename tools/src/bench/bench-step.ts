import type { StepId } from './bench-settings.js';
import type { RunResources } from './bench-run.js';
import type { FigureSpec, Measured } from './figures.js';
import { placeOrdersAsFastAsPossible, type HttpLoadResult } from './http-load.js';
import { orderRequestBodies } from './order-events.js';
import { placeOrdersAtRate, type PacedLoadResult } from './paced-load.js';
import type { Backlog } from './pipeline-backlog.js';
import type { LatencyChartInput, ThroughputChartInput } from './svg-charts.js';

/** What every step gets: the run's resources (bench-run.ts), its own abort signal, and the loads every step sends. */
export interface BenchContext extends RunResources {
  /** Aborted by Ctrl-C, the run's time budget, or a service crashing during the step. */
  signal: AbortSignal;
  /** Closed-loop HTTP intake over `connections` for `seconds` (http-load.ts), progress under `label`. */
  load(label: string, connections: number, seconds: number): Promise<HttpLoadResult>;
  /** Open-loop HTTP intake at `rate` orders/s (paced-load.ts). */
  paced(rate: number, seconds: number, onTick: (sent: number, created: number) => void): Promise<PacedLoadResult>;
  /** Waits until the pipeline applied every order stored so far. */
  drained(timeoutMs?: number, onProbe?: (backlog: Backlog) => void): Promise<Backlog>;
}

export function stepContext(resources: RunResources, signal: AbortSignal): BenchContext {
  const { system, progress } = resources;
  const bodies = orderRequestBodies(resources.customerIds);
  const baseUrl = system.orderServiceUrl;
  return {
    ...resources,
    signal,
    load: (label, connections, seconds) =>
      placeOrdersAsFastAsPossible({
        baseUrl,
        connections,
        seconds,
        bodies,
        signal,
        onTick: (responses) => progress.update(`${label}: ${responses.toLocaleString('en-US')} responses`),
      }),
    paced: (rate, seconds, onTick) => placeOrdersAtRate({ baseUrl, rate, seconds, bodies, signal, onTick }),
    drained: (timeoutMs = 60_000, onProbe) => resources.backlog.waitUntilDrained(timeoutMs, signal, onProbe),
  };
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
