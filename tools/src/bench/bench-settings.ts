import { parseArgs } from 'node:util';

/**
 * The full benchmark (about four minutes) or the quick smoke run CI uses so
 * the harness never rots: every size and duration lives here, so the two
 * modes differ in numbers only, never in code paths.
 */
const FULL = {
  mode: 'full' as 'full' | 'quick',
  /** The whole run is abandoned (and cleaned up) past this. */
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
export type BenchSettings = typeof FULL;

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

/** The worker's and the consumer's defaults (their config.ts) that the baselines mirror; an override reaches both. */
export function pipelineTuning(env: NodeJS.ProcessEnv) {
  const integer = (name: string, fallback: number) => (/^\d+$/.test(env[name]?.trim() ?? '') ? Number(env[name]) : fallback);
  return {
    outboxBatchSize: integer('OUTBOX_BATCH_SIZE', 500),
    outboxConcurrency: integer('OUTBOX_CONCURRENCY', 2),
    consumerPrefetch: integer('CONSUMER_PREFETCH', 500),
  };
}

/** In run order: the sustained and overload steps compare themselves with intake; memory reads the peaks of all the others. */
const STEP_IDS = ['intake', 'wakeup', 'overload', 'outbox-drain', 'consumer-drain', 'latency', 'sustained', 'memory'] as const;
export type StepId = (typeof STEP_IDS)[number];

export const USAGE = `usage: npm run bench [-- --quick] [-- --only=intake,latency,...]

  --quick          a small version of every step (about a minute); CI runs it
  --only=STEPS     run only these steps (${STEP_IDS.join(', ')})
  --profile        also write a CPU profile of every service process to
                   bench-results/profiles-<run id>/ (open in Chrome DevTools)
  --help           this text

Writes bench-results/bench-<timestamp>.{json,md} and its SVG charts; a full run
of every step also refreshes docs/benchmarks/. Exit code 0 unless a step failed.`;

export class UsageError extends Error {}

export function parseCommandLine(args: readonly string[]) {
  const options = {
    quick: { type: 'boolean' },
    profile: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    only: { type: 'string' },
  } as const;
  let values;
  try {
    values = parseArgs({ args: [...args], options }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const wanted = values.only?.split(',').filter((name) => name !== '') ?? STEP_IDS;
  const unknown = wanted.filter((name) => !STEP_IDS.some((id) => id === name));
  if (unknown.length > 0) throw new UsageError(`unknown step(s): ${unknown.join(', ')}; steps are ${STEP_IDS.join(', ')}`);
  const steps = STEP_IDS.filter((id) => wanted.includes(id));
  const { quick = false, profile = false, help = false } = values;
  // Only a full run of every step refreshes docs/benchmarks/, the report the README links; a profiled run is slower, so never.
  return { settings: quick ? QUICK : FULL, steps, writeDocs: !quick && !profile && steps.length === STEP_IDS.length, profile, help };
}
export type CommandLine = ReturnType<typeof parseCommandLine>;
