import type { SeededRandom } from './seeded-random.js';

export type FaultKind =
  | 'kill_worker'
  | 'kill_consumer'
  | 'broker_cut'
  | 'broker_blackhole'
  | 'db_terminate_backends'
  | 'rabbitmq_stop_app'
  | 'postgres_restart';

/** Which processes' broker links a proxy fault hits. */
export type BrokerTarget = 'workers' | 'consumers' | 'both';

export type PlannedFault =
  | { kind: 'kill_worker' | 'kill_consumer'; atMs: number; copy: number; restartAfterMs: number }
  | { kind: 'broker_cut' | 'broker_blackhole'; atMs: number; durationMs: number; target: BrokerTarget }
  | { kind: 'db_terminate_backends'; atMs: number }
  | { kind: 'rabbitmq_stop_app' | 'postgres_restart'; atMs: number; durationMs: number };

export interface FaultPlanOptions {
  /** How long the load runs; every fault starts and ends inside it, leaving a quiet tail to recover in. */
  loadMs: number;
  killsPerKind: number;
  brokerCuts: number;
  brokerBlackholes: number;
  databaseTerminations: number;
  /** Restart PostgreSQL and stop the RabbitMQ app once each (they hit everyone on the machine). */
  globalFaults: boolean;
}

/**
 * A seeded timetable of faults during the load. Kills and connection
 * terminations fall anywhere; broker outages get one slot each so two of them
 * never overlap on the same proxy; the two global faults sit in different
 * thirds of the run, so each one's recovery can be told apart.
 */
export function planFaults(random: SeededRandom, options: FaultPlanOptions): PlannedFault[] {
  const from = 2_000;
  const until = options.loadMs - 5_000;
  const anywhere = () => random.between(from, until);
  const plan: PlannedFault[] = [];

  for (const kind of ['kill_worker', 'kill_consumer'] as const) {
    for (let i = 0; i < options.killsPerKind; i += 1) {
      plan.push({ kind, atMs: anywhere(), copy: random.between(0, 1), restartAfterMs: random.between(200, 1_500) });
    }
  }

  const outages: Array<'broker_cut' | 'broker_blackhole'> = [
    ...Array.from({ length: options.brokerCuts }, () => 'broker_cut' as const),
    ...Array.from({ length: options.brokerBlackholes }, () => 'broker_blackhole' as const),
  ];
  // Shuffle, so which kind comes first changes with the seed.
  for (let i = outages.length - 1; i > 0; i -= 1) {
    const j = random.between(0, i);
    [outages[i], outages[j]] = [outages[j] as (typeof outages)[number], outages[i] as (typeof outages)[number]];
  }
  const slot = (until - from) / Math.max(1, outages.length);
  outages.forEach((kind, index) => {
    const durationMs = random.between(2_000, 4_000);
    const latestStart = Math.max(0, Math.floor(slot - durationMs));
    plan.push({
      kind,
      atMs: Math.round(from + index * slot) + random.between(0, latestStart),
      durationMs,
      target: random.pick(['workers', 'consumers', 'both'] as const),
    });
  });

  for (let i = 0; i < options.databaseTerminations; i += 1) plan.push({ kind: 'db_terminate_backends', atMs: anywhere() });

  if (options.globalFaults) {
    const third = (until - from) / 3;
    plan.push({ kind: 'rabbitmq_stop_app', atMs: Math.round(from + random.between(0, Math.floor(third - 5_000))), durationMs: random.between(3_000, 5_000) });
    plan.push({
      kind: 'postgres_restart',
      atMs: Math.round(from + 2 * third + random.between(0, Math.floor(third - 4_000))),
      durationMs: random.between(2_000, 4_000),
    });
  }
  return plan.sort((a, b) => a.atMs - b.atMs);
}

export function describeFault(fault: PlannedFault): string {
  const at = `${(fault.atMs / 1000).toFixed(1)} s`;
  switch (fault.kind) {
    case 'kill_worker':
    case 'kill_consumer':
      return `${at} ${fault.kind} #${fault.copy + 1} (restart after ${fault.restartAfterMs} ms)`;
    case 'broker_cut':
    case 'broker_blackhole':
      return `${at} ${fault.kind} ${fault.target} for ${fault.durationMs} ms`;
    case 'db_terminate_backends':
      return `${at} ${fault.kind}`;
    case 'rabbitmq_stop_app':
    case 'postgres_restart':
      return `${at} ${fault.kind} for ${fault.durationMs} ms`;
  }
}
