/**
 * Polls `probe` until it returns a value `accept` likes, or fails with the
 * last value seen once the deadline passes. Tests wait for conditions, never
 * for fixed sleeps.
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      if (accept(last)) return last;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const seen = lastError instanceof Error ? lastError.message : JSON.stringify(lastError ?? last);
      throw new Error(`timed out waiting for ${options.what ?? 'condition'}; last seen: ${seen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
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
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}
