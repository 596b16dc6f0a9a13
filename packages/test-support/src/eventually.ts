import { setTimeout as delay } from 'node:timers/promises';

export interface EventuallyOptions<T> {
  timeoutMs?: number;
  intervalMs?: number;
  /** Named in the timeout error: "timed out waiting for <what>". */
  what?: string;
  /** An abort (Ctrl-C, a run's time budget, a process that crashed) ends the wait at once. */
  signal?: AbortSignal;
  /** Describes the last value seen, for the timeout error. */
  describe?: (value: T) => string;
}

/** A pause that an abort cuts short by throwing the abort's reason. */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    signal?.throwIfAborted();
  }
}

/**
 * Polls `probe` until it returns a value `accept` likes, or fails with the
 * last value seen once the deadline passes. The harness waits for
 * conditions, never for fixed sleeps.
 */
export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, options: EventuallyOptions<T> = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let last: { value: T } | undefined;
  let lastError: unknown;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      last = { value: await probe() };
      if (accept(last.value)) return last.value;
    } catch (error) {
      // An abort or a probe that knows the wait is hopeless (its process exited) ends it.
      if (options.signal?.aborted === true || (error instanceof Error && error.name === 'HopelessWait')) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const seen =
        lastError instanceof Error
          ? lastError.message
          : last !== undefined && options.describe
            ? options.describe(last.value)
            : JSON.stringify(lastError ?? last?.value);
      throw new Error(`timed out waiting for ${options.what ?? 'condition'}; last seen: ${seen}`);
    }
    await pause(options.intervalMs ?? 20, options.signal);
  }
}

/** An error a probe throws to end its wait at once instead of at the deadline. */
export class HopelessWait extends Error {
  override name = 'HopelessWait';
}

/**
 * Checks that `accept` holds on every probe for `durationMs`: for promises
 * about something NOT happening (rows stay due while the broker is away).
 */
export async function consistently<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  options: { durationMs: number; intervalMs?: number; what?: string },
): Promise<void> {
  const until = Date.now() + options.durationMs;
  while (Date.now() < until) {
    const value = await probe();
    if (!accept(value)) throw new Error(`${options.what ?? 'condition'} stopped holding; saw ${JSON.stringify(value)}`);
    await pause(options.intervalMs ?? 50);
  }
}
