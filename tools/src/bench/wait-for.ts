import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Named in the timeout error: "timed out after 20 s waiting for <what>". */
  what: string;
  signal: AbortSignal;
  /** Describes the last value seen, for the timeout error. */
  describe?: (value: unknown) => string;
}

/**
 * Probes until `accept` likes the answer or the deadline passes; the harness
 * waits for conditions this way and never for a fixed time. An abort (Ctrl-C,
 * the run's time budget, a service that crashed) ends the wait at once.
 */
export async function waitFor<T>(probe: () => Promise<T>, accept: (value: T) => boolean, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    options.signal.throwIfAborted();
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() >= deadline) {
      const seen = options.describe ? options.describe(value) : JSON.stringify(value);
      throw new Error(`timed out after ${(options.timeoutMs / 1000).toFixed(0)} s waiting for ${options.what} (last seen: ${seen})`);
    }
    await pause(options.intervalMs ?? 50, options.signal);
  }
}

/** A pause that an abort cuts short by throwing the abort's reason. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    signal.throwIfAborted();
  }
}

/** Seconds since `startedAt` (a performance.now() reading). */
export function secondsSince(startedAt: number): number {
  return (performance.now() - startedAt) / 1000;
}
