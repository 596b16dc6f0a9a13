/**
 * What a run does: the full benchmark (five to six minutes) or the quick smoke
 * run that CI uses so the harness never rots. Every size and duration lives
 * here, so the two modes differ in numbers only, never in code paths.
 */
export interface BenchSettings {
  mode: 'full' | 'quick';
  /** The whole run is abandoned (and cleaned up) past this. */
  budgetMs: number;
  intake: {
    connections: number;
    warmupSeconds: number;
    seconds: number;
    /** The informational run with Order Service's customer cache turned off. */
    cacheOffSeconds: number;
  };
  wakeup: { seconds: number };
  overload: { connections: number; seconds: number };
  outboxDrain: { rows: number; deadlineMs: number };
  consumerDrain: { messages: number; deadlineMs: number; baselinePoolSize: number };
  latency: { rate: number; seconds: number; idleSeconds: number };
  sustained: { rates: number[]; seconds: number; drainDeadlineMs: number };
}

const FULL: BenchSettings = {
  mode: 'full',
  budgetMs: 450_000,
  intake: { connections: 32, warmupSeconds: 2, seconds: 8, cacheOffSeconds: 5 },
  wakeup: { seconds: 5 },
  overload: { connections: 512, seconds: 8 },
  outboxDrain: { rows: 50_000, deadlineMs: 45_000 },
  // 16 connections: the services' default pool size, a fair shot for a design whose only lever is parallelism.
  consumerDrain: { messages: 50_000, deadlineMs: 35_000, baselinePoolSize: 16 },
  latency: { rate: 200, seconds: 20, idleSeconds: 10 },
  sustained: { rates: [250, 500, 1_000, 2_000], seconds: 8, drainDeadlineMs: 20_000 },
};

const QUICK: BenchSettings = {
  mode: 'quick',
  budgetMs: 150_000,
  intake: { connections: 32, warmupSeconds: 1, seconds: 2, cacheOffSeconds: 1 },
  wakeup: { seconds: 1 },
  overload: { connections: 512, seconds: 2 },
  outboxDrain: { rows: 2_000, deadlineMs: 20_000 },
  consumerDrain: { messages: 2_000, deadlineMs: 20_000, baselinePoolSize: 16 },
  latency: { rate: 100, seconds: 3, idleSeconds: 2 },
  sustained: { rates: [100, 300], seconds: 3, drainDeadlineMs: 15_000 },
};

/**
 * Defaults of the worker and the consumer that the baselines mirror (see
 * services/order-service/src/config.ts and services/customer-service/src/config.ts).
 * An override in the environment reaches both the services and the baseline.
 */
export interface PipelineTuning {
  outboxBatchSize: number;
  outboxConcurrency: number;
  consumerPrefetch: number;
}

export function pipelineTuning(env: NodeJS.ProcessEnv): PipelineTuning {
  const integer = (name: string, fallback: number) => {
    const raw = env[name]?.trim();
    return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : fallback;
  };
  return {
    outboxBatchSize: integer('OUTBOX_BATCH_SIZE', 500),
    outboxConcurrency: integer('OUTBOX_CONCURRENCY', 2),
    consumerPrefetch: integer('CONSUMER_PREFETCH', 500),
  };
}

export const STEP_IDS = ['intake', 'wakeup', 'overload', 'outbox-drain', 'consumer-drain', 'latency', 'sustained', 'memory'] as const;
export type StepId = (typeof STEP_IDS)[number];

export interface CommandLine {
  settings: BenchSettings;
  steps: StepId[];
  /** Whether docs/benchmarks/latest.md is refreshed: only by a full run of every step. */
  writeDocs: boolean;
  /** Write a V8 CPU profile of every service process (for finding where the time goes; slows them a little). */
  profile: boolean;
  help: boolean;
}

export const USAGE = `usage: npm run bench [-- --quick] [-- --only=intake,latency,...]

  --quick          a small version of every step (about a minute); CI runs it
  --only=STEPS     run only these steps (${STEP_IDS.join(', ')})
  --profile        also write a CPU profile of every service process to
                   bench-results/profiles-<timestamp>/ (open in Chrome DevTools)
  --help           this text

Writes bench-results/bench-<timestamp>.{json,md,svg}; a full run of every step
also refreshes docs/benchmarks/latest.md. Exit code 0 unless a step crashed.`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseCommandLine(args: readonly string[]): CommandLine {
  let quick = false;
  let help = false;
  let profile = false;
  let steps: StepId[] = [...STEP_IDS];
  for (const arg of args) {
    if (arg === '--quick') quick = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--profile') profile = true;
    else if (arg.startsWith('--only=')) {
      const wanted = arg.slice('--only='.length).split(',').filter((name) => name !== '');
      const unknown = wanted.filter((name) => !STEP_IDS.some((id) => id === name));
      if (unknown.length > 0) throw new UsageError(`unknown step(s): ${unknown.join(', ')}; steps are ${STEP_IDS.join(', ')}`);
      steps = STEP_IDS.filter((id) => wanted.includes(id));
    } else {
      throw new UsageError(`unknown option ${arg}`);
    }
  }
  const settings = quick ? QUICK : FULL;
  // A profiled run is slower: its numbers never replace the committed report.
  return { settings, steps, writeDocs: !quick && !profile && steps.length === STEP_IDS.length, profile, help };
}
