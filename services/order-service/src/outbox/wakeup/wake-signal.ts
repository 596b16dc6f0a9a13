/**
 * A counter of "there may be new rows" hints. A relay loop remembers the
 * generation before it claims; if a hint arrives while it works, the
 * generation has moved on and it claims again at once instead of sleeping,
 * so no hint is ever lost between a claim and the next wait.
 */
export function createWakeSignal() {
  let generation = 0;
  let waiters: Array<() => void> = [];
  return {
    generation: () => generation,

    poke(): void {
      generation += 1;
      const woken = waiters;
      waiters = [];
      for (const wake of woken) wake();
    },

    /** Resolves when the generation differs from `seen`, or after `timeoutMs`. */
    waitForChange(seen: number, timeoutMs: number): Promise<void> {
      if (generation !== seen) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        function done() {
          clearTimeout(timer);
          waiters = waiters.filter((waiter) => waiter !== done);
          resolve();
        }
        waiters.push(done);
      });
    },
  };
}

export type WakeSignal = ReturnType<typeof createWakeSignal>;
