import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagingTopology } from '../../packages/contracts/src/index.js';
import { createCustomer } from '../support/customers.js';
import {
  addPipelineProcesses,
  createServiceGroup,
  eventually,
  makeLogDirectory,
  type ServiceGroup,
  type ServiceProcess,
  startPipelineProcesses,
} from '@orders/test-support';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import { isolatedTopology, removeTopology } from '../support/pipeline.js';
import { TEST_API_KEY } from '../support/running-services.js';
import { startTcpFaultProxy, type TcpFaultProxy } from '../support/tcp-fault-proxy.js';
import { TEST_RABBITMQ_URL } from '../support/test-environment.js';
import { openTestPool } from '../support/test-pool.js';
import { describeFault, planFaults, type BrokerTarget, type FaultKind, type PlannedFault } from './support/fault-plan.js';
import {
  ensureInfrastructureUp,
  otherTestRuns,
  startPostgres,
  startRabbitApp,
  stopPostgres,
  stopRabbitApp,
  terminateDatabaseConnections,
} from '../support/infrastructure.js';
import { startOrderLoad, type LoadSummary } from '@orders/test-support';
import {
  auditPipeline,
  lossAndDoubling,
  violations,
  waitForCatchUp,
  type CatchUp,
  type PipelineAudit,
  type PipelineProgress,
} from '../support/pipeline-audit.js';
import { createRestartingSupervisor, type RestartingSupervisor } from './support/restarting-supervisor.js';
import { chaosSeed, seededRandom } from './support/seeded-random.js';
import { NPM_START, testWiring } from '../support/system-under-test.js';

// A steady load the two cores can carry while faults happen: about 3,600 orders.
const LOAD_MS = 30_000;
const ORDERS_PER_SECOND = 120;
const CUSTOMERS = 20;
const CATCH_UP_TIMEOUT_MS = 120_000;

/**
 * CHAOS_GLOBAL_FAULTS: 1 (default) restarts PostgreSQL and stops the RabbitMQ
 * app once each, unless other test or benchmark runs are on this machine
 * (they would break); "force" does it anyway; 0 skips them for quick runs.
 */
const globalFaultsSetting = process.env.CHAOS_GLOBAL_FAULTS ?? '1';

const seed = chaosSeed(process.env);
const random = seededRandom(seed);
const logDirectory = makeLogDirectory(`chaos-${seed}`);
const rabbitPort = Number(new URL(TEST_RABBITMQ_URL).port || 5672);

let databases: IsolatedDatabases;
let topology: MessagingTopology;
let proxies: Record<'workers' | 'consumers', TcpFaultProxy>;
let supervisor: RestartingSupervisor;
let group: ServiceGroup;
let workers: ServiceProcess[];
let consumers: ServiceProcess[];
let globalFaults: { enabled: boolean; note: string };
let orderServiceUrl: string;
let customerServiceUrl: string;

// What the scenario found, for the report and the assertions below.
let load: LoadSummary;
let catchUp: CatchUp;
let audit: PipelineAudit;
const injected = new Map<FaultKind, number>();
const timeline: string[] = [];
const harnessErrors: string[] = [];
let terminatedConnections = 0;
/** Pending while PostgreSQL is being restarted. */
let postgresRestart: Promise<void> = Promise.resolve();
// The timeline counts from the start of the load (from setup until then).
let scenarioStartedAt = Date.now();

function databaseName(url: string): string {
  return new URL(url).pathname.slice(1);
}

function note(line: string, startedAt: number): void {
  timeline.push(`${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)} s  ${line}`);
}

/** Waiting out a fault's duration or a delay before a restart: time is the point here, not a condition. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Notes, without waiting for it, how long a (re)started process takes to be ready: the outage it costs. */
function noteWhenReady(member: ServiceProcess, startedAt: number): void {
  const from = Date.now();
  const pid = member.pid;
  member.waitUntilReady(60_000).then(
    () => note(`${member.label} (pid ${pid ?? '?'}) ready ${Date.now() - from} ms after its start`, startedAt),
    () => undefined,
  );
}

async function decideGlobalFaults(): Promise<{ enabled: boolean; note: string }> {
  if (globalFaultsSetting === '0') return { enabled: false, note: 'off (CHAOS_GLOBAL_FAULTS=0)' };
  if (globalFaultsSetting === 'force') return { enabled: true, note: 'on (forced)' };
  const others = await otherTestRuns();
  if (others.length === 0) return { enabled: true, note: 'on' };
  return {
    enabled: false,
    note: `SKIPPED: other test or benchmark runs on this machine would break (${others.slice(0, 3).join(' | ')}); CHAOS_GLOBAL_FAULTS=force overrides`,
  };
}

/** Someone may have started a run since the suite began: checked again right before each global fault. */
async function globalFaultStillSafe(fault: PlannedFault, startedAt: number): Promise<boolean> {
  if (globalFaultsSetting === 'force') return true;
  const others = await otherTestRuns();
  if (others.length === 0) return true;
  globalFaults = { enabled: false, note: `SKIPPED part-way: a run started meanwhile (${others.slice(0, 3).join(' | ')})` };
  note(`${fault.kind}: skipped, other runs on the machine now`, startedAt);
  return false;
}

function proxiesOf(target: BrokerTarget): TcpFaultProxy[] {
  return target === 'both' ? [proxies.workers, proxies.consumers] : [proxies[target]];
}

async function inject(fault: PlannedFault, startedAt: number): Promise<void> {
  const counted = () => injected.set(fault.kind, (injected.get(fault.kind) ?? 0) + 1);
  switch (fault.kind) {
    case 'kill_worker':
    case 'kill_consumer': {
      const copies = fault.kind === 'kill_worker' ? workers : consumers;
      // The planned copy if it runs, else the other one; if both are restarting, wait a little for one.
      const runningCopy = () => [copies[fault.copy], copies[1 - fault.copy]].find((copy) => copy?.isRunning());
      const victim = await eventually(async () => runningCopy(), (copy) => copy !== undefined, { timeoutMs: 5_000, intervalMs: 100 }).catch(
        () => undefined,
      );
      if (victim === undefined) {
        note(`${fault.kind}: skipped, no copy running for 5 s`, startedAt);
        return;
      }
      const exit = await victim.stop('SIGKILL');
      counted();
      note(`SIGKILL ${victim.label} (pid ${exit.pid})`, startedAt);
      await pause(fault.restartAfterMs);
      if (!victim.isRunning()) await victim.start();
      note(`restarted ${victim.label} (pid ${victim.pid ?? '?'})`, startedAt);
      noteWhenReady(victim, startedAt);
      return;
    }
    case 'broker_cut':
    case 'broker_blackhole': {
      const hit = proxiesOf(fault.target);
      try {
        for (const proxy of hit) {
          if (fault.kind === 'broker_cut') proxy.cut();
          else proxy.blackhole();
        }
        counted();
        note(`${fault.kind} ${fault.target} for ${fault.durationMs} ms`, startedAt);
        await pause(fault.durationMs);
      } finally {
        for (const proxy of hit) proxy.restore();
        note(`broker restored for ${fault.target}`, startedAt);
      }
      return;
    }
    case 'db_terminate_backends': {
      // Not while PostgreSQL restarts: there is nothing to terminate then, and the admin connection would fail.
      await postgresRestart;
      const count = await terminateDatabaseConnections([
        databaseName(databases.orderDatabaseUrl),
        databaseName(databases.customerDatabaseUrl),
      ]);
      terminatedConnections += count;
      counted();
      note(`pg_terminate_backend: ${count} connections to the run's databases`, startedAt);
      return;
    }
    case 'rabbitmq_stop_app': {
      if (!(await globalFaultStillSafe(fault, startedAt))) return;
      try {
        await stopRabbitApp();
        counted();
        note(`rabbitmqctl stop_app (for ${fault.durationMs} ms)`, startedAt);
        await pause(fault.durationMs);
      } finally {
        await startRabbitApp();
        note('rabbitmqctl start_app: RabbitMQ is back', startedAt);
      }
      return;
    }
    case 'postgres_restart': {
      if (!(await globalFaultStillSafe(fault, startedAt))) return;
      let restarted: () => void = () => undefined;
      postgresRestart = new Promise((resolve) => (restarted = resolve));
      try {
        await stopPostgres();
        counted();
        note(`PostgreSQL stopped (for ${fault.durationMs} ms)`, startedAt);
        await pause(fault.durationMs);
      } finally {
        try {
          await startPostgres();
          note('PostgreSQL started and answering', startedAt);
        } finally {
          restarted();
        }
      }
      return;
    }
  }
}

function describeBacklog(progress: PipelineProgress | undefined): string {
  if (progress === undefined) return 'unknown';
  return `${progress.pendingRows} outbox rows pending, ${progress.queued} messages queued, ${progress.storedOrders - progress.appliedEvents} stored orders not yet applied`;
}

function formatReport(): string[] {
  const { lost, doubled } = lossAndDoubling(audit);
  const others = Object.entries(load.otherOutcomes)
    .sort(([, a], [, b]) => b - a)
    .map(([what, count]) => `${what} ×${count}`);
  const kinds: FaultKind[] = ['kill_worker', 'kill_consumer', 'broker_cut', 'broker_blackhole', 'db_terminate_backends', 'rabbitmq_stop_app', 'postgres_restart'];
  const faults = kinds
    .filter((kind) => injected.has(kind))
    .map((kind) => `${kind} ×${injected.get(kind) ?? 0}${kind === 'db_terminate_backends' ? ` (${terminatedConnections} connections)` : ''}`);
  const kills = [...workers, ...consumers].flatMap((member) => member.exits).filter((exit) => exit.requested === 'SIGKILL').length;
  return [
    `chaos report · seed ${seed} (replay: CHAOS_SEED=${seed}) · global faults ${globalFaults.note}`,
    `  orders: ${load.attempts.length} sent in ${(load.durationMs / 1000).toFixed(1)} s, ${load.accepted} accepted (201), ${audit.storedOrders} stored, ${audit.appliedEvents} applied`,
    `  other responses: ${others.length === 0 ? 'none' : others.join(', ')}`,
    `  faults injected: ${faults.join(', ')}`,
    `  process exits: ${kills} SIGKILLs by the harness, ${supervisor.refusedStarts().length} refused starts while a dependency was down, ${supervisor.crashes().length} crashes`,
    `  catch-up: ${catchUp.caughtUp ? `${(catchUp.elapsedMs / 1000).toFixed(1)} s after the load (then ${describeBacklog(catchUp.first)})` : `NOT caught up after ${(catchUp.elapsedMs / 1000).toFixed(1)} s (${catchUp.settledShort ? 'nothing moving any more' : 'deadline'}); last seen ${JSON.stringify(catchUp.last)}${catchUp.lastError === undefined ? '' : `, last error ${catchUp.lastError}`}`}`,
    `  lost: ${lost} · doubled: ${doubled} · dead outbox rows: ${audit.deadRows.length} · dead letters: ${audit.deadLetterCount} · count mismatches: ${audit.countMismatches.length} · 201s not stored: ${audit.acceptedNotStored.length}`,
    `  logs: ${logDirectory}`,
  ];
}

beforeAll(async () => {
  // PostgreSQL and RabbitMQ were brought up, if need be, by the suite's global setup.
  globalFaults = await decideGlobalFaults();
  databases = await createIsolatedDatabases();
  topology = isolatedTopology();
  proxies = {
    workers: await startTcpFaultProxy('127.0.0.1', rabbitPort),
    consumers: await startTcpFaultProxy('127.0.0.1', rabbitPort),
  };
  supervisor = createRestartingSupervisor({
    restartDelayMs: 1_000,
    onEvent: (line) => note(line, scenarioStartedAt),
    onRestarted: (member) => noteWhenReady(member, scenarioStartedAt),
  });
  group = createServiceGroup({ logDirectory, launch: NPM_START, onUnexpectedExit: supervisor.onUnexpectedExit });

  const wiring = await testWiring({
    databases,
    topology,
    rabbitUrl: (role) => (role === 'order_outbox_worker' ? proxies.workers : proxies.consumers).url(TEST_RABBITMQ_URL),
  });
  const pipeline = addPipelineProcesses(group, wiring, { workers: 2, consumers: 2 });
  ({ customerServiceUrl, orderServiceUrl, workers, consumers } = pipeline);
  await startPipelineProcesses(pipeline);
}, 120_000);

afterAll(async () => {
  supervisor.stop();
  // A restart already under way could otherwise spawn a process after the kill below.
  await supervisor.settled();
  try {
    proxies.workers.restore();
    proxies.consumers.restore();
    const repairs = await ensureInfrastructureUp();
    if (repairs.length > 0) process.stdout.write(`chaos: after the run: ${repairs.join('; ')}\n`);
  } finally {
    await group.killAll();
    group.dispose();
    await proxies.workers.close();
    await proxies.consumers.close();
    await removeTopology(topology).catch(() => undefined);
    await databases.drop();
  }
}, 180_000);

describe('the pipeline under chaos', () => {
  beforeAll(async () => {
    const customers = await Promise.all(Array.from({ length: CUSTOMERS }, () => createCustomer(customerServiceUrl, TEST_API_KEY)));
    const plan = planFaults(random, {
      loadMs: LOAD_MS,
      killsPerKind: 3,
      brokerCuts: 2,
      brokerBlackholes: 2,
      databaseTerminations: 3,
      globalFaults: globalFaults.enabled,
    });
    process.stdout.write(
      `chaos: seed ${seed} (replay: CHAOS_SEED=${seed}), global faults ${globalFaults.note}, logs in ${logDirectory}\n` +
        `chaos: plan\n${plan.map((fault) => `  ${describeFault(fault)}`).join('\n')}\n`,
    );

    const startedAt = Date.now();
    scenarioStartedAt = startedAt;
    const orders = startOrderLoad({
      orderServiceUrl,
      customerIds: customers.map((customer) => customer.id),
      ratePerSecond: ORDERS_PER_SECOND,
      durationMs: LOAD_MS,
      label: `chaos-${seed}`,
    });
    const injections: Promise<void>[] = [];
    for (const fault of plan) {
      await pause(startedAt + fault.atMs - Date.now());
      injections.push(
        inject(fault, startedAt).catch((error: unknown) => {
          harnessErrors.push(`${describeFault(fault)}: ${(error as Error).message}`);
        }),
      );
    }
    load = await orders.finished;
    await Promise.all(injections);
    note(`load ended: ${load.attempts.length} sent, ${load.accepted} accepted`, startedAt);

    // Every copy runs again before the clock starts: restarts the supervisor still owes included.
    await supervisor.settled();
    await eventually(
      async () => {
        for (const member of group.members()) if (!member.isRunning()) await member.start();
        return group.members().every((member) => member.isRunning());
      },
      (allRunning) => allRunning,
      { timeoutMs: 30_000, intervalMs: 500, what: 'every process running again' },
    );

    const orderDb = openTestPool(databases.orderDatabaseUrl);
    const customerDb = openTestPool(databases.customerDatabaseUrl);
    try {
      catchUp = await waitForCatchUp({ orderDb, customerDb, topology, timeoutMs: CATCH_UP_TIMEOUT_MS });
      note(catchUp.caughtUp ? 'caught up' : 'did not catch up', startedAt);
      audit = await auditPipeline({ orderDb, customerDb, topology, acceptedOrderIds: load.acceptedOrderIds });
    } finally {
      await orderDb.end();
      await customerDb.end();
    }

    const report = formatReport();
    const details = [
      'timeline:',
      ...timeline.map((line) => `  ${line}`),
      ...violations(audit).map((line) => `VIOLATION: ${line}`),
      ...harnessErrors.map((line) => `HARNESS ERROR: ${line}`),
      ...supervisor.crashes().map(({ exit, output }) => `CRASH: ${exit.label} (pid ${exit.pid}) exited with ${exit.signal ?? `code ${exit.code ?? '?'}`}; error lines of ${exit.logFile}:\n${output}`),
    ];
    // Every request with its outcome, to line refusals or 500s up with the timeline.
    writeFileSync(
      join(logDirectory, 'orders.jsonl'),
      `${load.attempts.map((attempt) => JSON.stringify({ ...attempt, sentAt: (attempt.sentAt - startedAt) / 1000 })).join('\n')}\n`,
    );
    writeFileSync(join(logDirectory, 'report.txt'), `${[...report, ...details].join('\n')}\n`);
    process.stdout.write(`${report.join('\n')}\n${details.join('\n')}\n`);
  }, 230_000);

  it('catches up by itself once the faults stop', () => {
    expect(catchUp.caughtUp, `last seen ${JSON.stringify(catchUp.last)}`).toBe(true);
  });

  it('applies every stored order exactly once and keeps every orders_count equal to the orders stored', () => {
    expect(lossAndDoubling(audit)).toEqual({ lost: 0, doubled: 0 });
    expect(audit.foreign).toEqual([]);
    expect(audit.countMismatches).toEqual([]);
  });

  it('stores every order it answered 201', () => {
    expect(load.accepted).toBeGreaterThan(0);
    expect(audit.acceptedNotStored).toEqual([]);
  });

  it('leaves no dead outbox row and no dead letter', () => {
    expect(audit.deadRows).toEqual([]);
    expect(audit.deadLetterCount).toBe(0);
  });

  it('keeps every process running through the faults: none crashes instead of reconnecting', () => {
    expect(supervisor.crashes().map(({ exit }) => `${exit.label}#${exit.incarnation} ${exit.signal ?? `code ${exit.code ?? '?'}`}`)).toEqual([]);
  });

  it('injected every fault it planned (the harness itself did not fail)', () => {
    expect(harnessErrors).toEqual([]);
  });
});
