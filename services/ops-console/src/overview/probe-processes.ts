import type { WatchedProcess } from '../config.js';
import { sumOfMetric } from './prometheus-text.js';
import type { ConsumerSample } from './pipeline-rates.js';

export interface ProcessHealth {
  name: string;
  url: string;
  /** It answered HTTP at all. */
  up: boolean;
  /** Its /health/ready said 200. */
  ready: boolean;
}

const PROBE_TIMEOUT_MS = 1_500;

async function readiness(process: WatchedProcess): Promise<ProcessHealth> {
  try {
    const response = await fetch(new URL('/health/ready', process.url), { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.body?.cancel();
    return { name: process.name, url: process.url, up: true, ready: response.status === 200 };
  } catch {
    return { name: process.name, url: process.url, up: false, ready: false };
  }
}

/** Every watched process's readiness, probed at once with a short timeout each. */
export function probeProcesses(processes: readonly WatchedProcess[]): Promise<ProcessHealth[]> {
  return Promise.all(processes.map(readiness));
}

/** The consumer's applied-events counter and end-to-end lag histogram, or undefined when it does not answer. */
export async function sampleConsumer(consumer: WatchedProcess | undefined, now: () => number): Promise<ConsumerSample | undefined> {
  if (consumer === undefined) return undefined;
  try {
    const response = await fetch(new URL('/metrics', consumer.url), { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    if (response.status !== 200) return undefined;
    const text = await response.text();
    return {
      atMs: now(),
      applied: sumOfMetric(text, 'order_events_applied_total') ?? 0,
      lagSum: sumOfMetric(text, 'order_events_end_to_end_lag_seconds_sum') ?? 0,
      lagCount: sumOfMetric(text, 'order_events_end_to_end_lag_seconds_count') ?? 0,
    };
  } catch {
    return undefined;
  }
}
