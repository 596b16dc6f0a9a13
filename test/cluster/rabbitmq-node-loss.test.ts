import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { MessagingTopology } from '../../packages/contracts/src/index.js';
import { createCustomer } from '../support/customers.js';
import {
  addPipelineProcesses,
  createServiceGroup,
  eventually,
  makeLogDirectory,
  type ProcessExit,
  type ServiceGroup,
  type ServiceProcess,
  startPipelineProcesses,
} from '@orders/test-support';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import { startOrderLoad, type LoadSummary } from '@orders/test-support';
import { auditPipeline, lossAndDoubling, violations, waitForCatchUp, type CatchUp, type PipelineAudit } from '../support/pipeline-audit.js';
import { NPM_START, testWiring } from '../support/system-under-test.js';
import { isolatedTopology } from '../support/pipeline.js';
import { TEST_API_KEY } from '../support/running-services.js';
import { openTestPool } from '../support/test-pool.js';
import { scrapeBrokerConnection, type BrokerConnectionMetrics } from './support/broker-metrics.js';
import { failoversInLog, type LoggedFailover } from './support/failover-gaps.js';
import { withOpsPorts } from './support/ops-ports.js';
import {
  awaitNodeGone,
  bootNode,
  clusterNodes,
  clusterRabbitUrl,
  queueMembership,
  runningNodes,
  sigkillNode,
  startApp,
  stopApp,
  type ClusterNode,
  type QueueMembership,
} from './support/rabbitmq-cluster.js';

// 150 orders/s for 40 s: node 1 is down from 5 s to 15 s; once it runs again (a few seconds to start
// its app under load), node 2's VM is killed, at 24 s at the earliest, and booted again.
const LOAD_MS = 40_000;
const ORDERS_PER_SECOND = 150;
const CUSTOMERS = 20;
const OUTAGE_AT_MS = 5_000;
const OUTAGE_MS = 10_000;
const KILL_AT_MS = 24_000;
const CATCH_UP_TIMEOUT_MS = 60_000;

const logDirectory = makeLogDirectory('cluster');
let nodes: ClusterNode[];
let databases: IsolatedDatabases;
let topology: MessagingTopology;
let group: ServiceGroup;
let opsPortOf: (label: string) => number | undefined;
let brokerClients: ServiceProcess[];
let orderServiceUrl: string;
let customerServiceUrl: string;
const crashes: ProcessExit[] = [];

// What the scenario found, for the report and the assertions.
let queues: { main: QueueMembership | undefined; deadLetters: QueueMembership | undefined };
let load: LoadSummary;
let catchUp: CatchUp;
let loadEndedAt = 0;
let caughtUpAfterLoadMs = 0;
let audit: PipelineAudit;
const outage: { from: number; to: number; acceptedDuring: number; appliedDuring: number; movedAfterMs: number | undefined } = {
  from: 0,
  to: 0,
  acceptedDuring: 0,
  appliedDuring: 0,
  movedAfterMs: undefined,
};
const kill: { at: number; movedAfterMs: number | undefined } = { at: 0, movedAfterMs: undefined };
const metricsAt: Record<'before' | 'outage' | 'kill' | 'end', Map<string, BrokerConnectionMetrics>> = {
  before: new Map(),
  outage: new Map(),
  kill: new Map(),
  end: new Map(),
};
const loggedFailovers = new Map<string, LoggedFailover[]>();
const timeline: string[] = [];

function node(index: number): ClusterNode {
  const found = nodes[index - 1];
  if (found === undefined) throw new Error(`no node ${index}`);
  return found;
}

function note(line: string, startedAt: number): void {
  timeline.push(`${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)} s  ${line}`);
}

/** Waiting for the next step of the plan: time is the point here, not a condition. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

async function scrapeAll(into: Map<string, BrokerConnectionMetrics>): Promise<void> {
  await Promise.all(
    brokerClients.map(async (client) => {
      const port = opsPortOf(client.label);
      if (port === undefined) return;
      into.set(client.label, await scrapeBrokerConnection(port).catch(() => ({ connected: undefined, failovers: undefined, node: undefined })));
    }),
  );
}

function describeMetrics(metrics: Map<string, BrokerConnectionMetrics>): string {
  return brokerClients
    .map(({ label }) => {
      const seen = metrics.get(label);
      return `${label} ${seen?.node ?? '?'} (connected ${seen?.connected ?? '?'}, failovers ${seen?.failovers ?? '?'})`;
    })
    .join(', ');
}

function describeLoggedFailovers(): string {
  const gaps = [...loggedFailovers.values()].flat().map((move) => move.gapMs);
  const moves = brokerClients.map(({ label }) => {
    const logged = loggedFailovers.get(label) ?? [];
    return `${label} ${logged.map((move) => `${move.from}→${move.to} ${move.gapMs} ms`).join(', ') || 'none'}`;
  });
  return `longest ${gaps.length === 0 ? '?' : Math.max(...gaps)} ms from losing a node to connecting to the next (${moves.join('; ')})`;
}

function failoversCounted(): number {
  return [...metricsAt.end.values()].reduce((sum, seen) => sum + (seen.failovers ?? 0), 0);
}

/**
 * Polls the processes' metrics into `into` until every one is connected to a
 * node other than `left`: how long the move took, or undefined if not all
 * had moved by `deadline`.
 */
async function timeUntilAllLeft(left: ClusterNode, since: number, deadline: number, into: Map<string, BrokerConnectionMetrics>): Promise<number | undefined> {
  for (;;) {
    await scrapeAll(into);
    const moved = brokerClients.every(({ label }) => {
      const seen = into.get(label);
      return seen?.connected === 1 && seen.node !== undefined && seen.node !== left.address;
    });
    if (moved) return Date.now() - since;
    if (Date.now() > deadline) return undefined;
    await pause(100);
  }
}

function describeMove(movedAfterMs: number | undefined, from: ClusterNode, metrics: Map<string, BrokerConnectionMetrics>): string {
  const when = movedAfterMs === undefined ? `NOT every process off ${from.name} in time` : `every process off ${from.name} after ${movedAfterMs} ms`;
  return `${when}: ${describeMetrics(metrics)}`;
}

/** Node 1 goes away as an operator's stop_app takes it away, and comes back 10 s later. */
async function stopNodeOneForAWhile(startedAt: number): Promise<void> {
  outage.from = Date.now();
  note(`stop_app ${node(1).name}`, startedAt);
  const moved = timeUntilAllLeft(node(1), outage.from, outage.from + OUTAGE_MS, metricsAt.outage);
  await stopApp(node(1));
  note('stop_app returned', startedAt);
  outage.movedAfterMs = await moved;
  note(describeMove(outage.movedAfterMs, node(1), metricsAt.outage), startedAt);
  await pause(outage.from + OUTAGE_MS - Date.now());
  outage.to = Date.now();
  note(`start_app ${node(1).name}`, startedAt);
  await startApp(node(1));
  note(`${node(1).name} running again, ${Date.now() - outage.from} ms after stop_app`, startedAt);
}

/** Node 2's VM dies as in a machine crash, then boots from the same data and rejoins. */
async function killNodeTwoAndBootIt(startedAt: number): Promise<void> {
  await eventually(() => runningNodes(node(3)), (running) => running.length === nodes.length, {
    timeoutMs: 20_000,
    intervalMs: 250,
    what: 'all three nodes running before the kill',
  });
  const pid = await sigkillNode(node(2));
  kill.at = Date.now();
  note(`SIGKILL ${node(2).name} (VM pid ${pid})`, startedAt);
  const [movedAfterMs, goneAfterMs] = await Promise.all([
    timeUntilAllLeft(node(2), kill.at, kill.at + 20_000, metricsAt.kill),
    awaitNodeGone(node(2), node(3)).then(() => Date.now() - kill.at),
  ]);
  kill.movedAfterMs = movedAfterMs;
  note(`${node(3).name} saw ${node(2).name} gone after ${goneAfterMs} ms; ${describeMove(movedAfterMs, node(2), metricsAt.kill)}`, startedAt);
  await bootNode(node(2));
  note(`${node(2).name} booted again and running, ${Date.now() - kill.at} ms after the kill`, startedAt);
}

async function measureOutage(): Promise<void> {
  const customerDb = openTestPool(databases.customerDatabaseUrl);
  try {
    const { rows } = await customerDb.query<{ applied: number }>(
      'select count(*)::int as applied from processed_order_events where processed_at >= $1 and processed_at < $2',
      [new Date(outage.from), new Date(outage.to)],
    );
    outage.appliedDuring = rows[0]?.applied ?? 0;
  } finally {
    await customerDb.end();
  }
  outage.acceptedDuring = load.attempts.filter(
    (attempt) =>
      attempt.sentAt >= outage.from &&
      attempt.sentAt < outage.to &&
      attempt.outcome?.kind === 'response' &&
      attempt.outcome.status === 201,
  ).length;
}

function formatReport(): string[] {
  const { lost, doubled } = lossAndDoubling(audit);
  const others = Object.entries(load.otherOutcomes).map(([what, count]) => `${what} ×${count}`);
  return [
    `cluster report · ${ORDERS_PER_SECOND} orders/s for ${LOAD_MS / 1000} s through 2 workers and 2 consumers on ${nodes.map((each) => each.name).join(', ')}`,
    `  queue ${topology.queue}: ${queues.main?.type ?? '?'} on ${queues.main?.members.join(', ') ?? '?'}; dead letters ${queues.deadLetters?.type ?? '?'} on ${queues.deadLetters?.members.join(', ') ?? '?'}`,
    `  orders: ${load.attempts.length} sent, ${load.accepted} accepted (201), ${audit.storedOrders} stored, ${audit.appliedEvents} applied; other responses: ${others.length === 0 ? 'none' : others.join(', ')}`,
    `  node 1 outage (${((outage.to - outage.from) / 1000).toFixed(1)} s): ${outage.appliedDuring} applied during it, ${outage.acceptedDuring} accepted during it; every process off node 1 after ${outage.movedAfterMs === undefined ? 'NEVER' : `${outage.movedAfterMs} ms`}`,
    `  node 2 SIGKILLed: every process off it after ${kill.movedAfterMs === undefined ? 'NEVER' : `${kill.movedAfterMs} ms`}`,
    `  catch-up: ${catchUp.caughtUp ? `${(caughtUpAfterLoadMs / 1000).toFixed(1)} s after the load ended` : `NOT caught up after ${(catchUp.elapsedMs / 1000).toFixed(1)} s; last seen ${JSON.stringify(catchUp.last)}`}`,
    `  failovers counted by the processes: ${failoversCounted()} (${describeMetrics(metricsAt.end)})`,
    `  failovers logged: ${describeLoggedFailovers()}`,
    `  lost: ${lost} · doubled: ${doubled} · dead letters: ${audit.deadLetterCount} · dead outbox rows: ${audit.deadRows.length} · 201s not stored: ${audit.acceptedNotStored.length}`,
    `  logs: ${logDirectory}`,
  ];
}

beforeAll(async () => {
  nodes = clusterNodes(inject('rabbitClusterDirectory'));
  databases = await createIsolatedDatabases();
  topology = isolatedTopology();
  const recorded = withOpsPorts(
    createServiceGroup({
      logDirectory,
      launch: NPM_START,
      // No process restarts itself here: one that leaves by itself has crashed instead of failing over.
      onUnexpectedExit: (_member, exit) => crashes.push(exit),
    }),
  );
  ({ group, opsPortOf } = recorded);
  const pipeline = addPipelineProcesses(group, await testWiring({ databases, topology, rabbitUrl: () => clusterRabbitUrl() }), { workers: 2, consumers: 2 });
  ({ customerServiceUrl, orderServiceUrl } = pipeline);
  brokerClients = [...pipeline.workers, ...pipeline.consumers];
  await startPipelineProcesses(pipeline);
}, 120_000);

afterAll(async () => {
  // The cluster itself is stopped by the suite's global teardown.
  await group.killAll();
  group.dispose();
  await databases.drop();
}, 60_000);

describe('the pipeline on a three-node RabbitMQ cluster while nodes fail', () => {
  beforeAll(async () => {
    // The consumers declared the queues on node 1 before anything was published: the quorum must span all three.
    queues = {
      main: await eventually(() => queueMembership(node(1), topology.queue), (queue) => (queue?.members.length ?? 0) === nodes.length, {
        timeoutMs: 10_000,
        intervalMs: 250,
        what: `${topology.queue} on every node`,
      }).catch(() => queueMembership(node(1), topology.queue)),
      deadLetters: await queueMembership(node(1), topology.deadLetterQueue),
    };
    const customers = await Promise.all(Array.from({ length: CUSTOMERS }, () => createCustomer(customerServiceUrl, TEST_API_KEY)));
    await scrapeAll(metricsAt.before);

    const startedAt = Date.now();
    note(`load starts; processes on ${describeMetrics(metricsAt.before)}`, startedAt);
    const orders = startOrderLoad({
      orderServiceUrl,
      customerIds: customers.map((customer) => customer.id),
      ratePerSecond: ORDERS_PER_SECOND,
      durationMs: LOAD_MS,
      label: 'cluster',
    });
    void orders.finished.then((summary) => {
      loadEndedAt = Date.now();
      note(`load ended: ${summary.attempts.length} sent, ${summary.accepted} accepted`, startedAt);
    });
    await pause(startedAt + OUTAGE_AT_MS - Date.now());
    await stopNodeOneForAWhile(startedAt);
    await pause(startedAt + KILL_AT_MS - Date.now());
    await killNodeTwoAndBootIt(startedAt);
    load = await orders.finished;

    const orderDb = openTestPool(databases.orderDatabaseUrl);
    const customerDb = openTestPool(databases.customerDatabaseUrl);
    try {
      const waitFrom = Date.now();
      catchUp = await waitForCatchUp({ orderDb, customerDb, topology, timeoutMs: CATCH_UP_TIMEOUT_MS });
      // Counted from the end of the load, which may come before node 2 is booted again.
      caughtUpAfterLoadMs = waitFrom + catchUp.elapsedMs - loadEndedAt;
      note(catchUp.caughtUp ? 'caught up' : 'did not catch up', startedAt);
      audit = await auditPipeline({ orderDb, customerDb, topology, acceptedOrderIds: load.acceptedOrderIds });
    } finally {
      await orderDb.end();
      await customerDb.end();
    }
    await measureOutage();
    await scrapeAll(metricsAt.end);
    for (const client of brokerClients) loggedFailovers.set(client.label, failoversInLog(client.recentOutput(5_000)));

    const report = formatReport();
    const details = [
      'timeline:',
      ...timeline.map((line) => `  ${line}`),
      ...violations(audit).map((line) => `VIOLATION: ${line}`),
      ...crashes.map((exit) => `CRASH: ${exit.label} (pid ${exit.pid}) exited with ${exit.signal ?? `code ${exit.code ?? '?'}`}; see ${exit.logFile}`),
    ];
    writeFileSync(join(logDirectory, 'report.txt'), `${[...report, ...details].join('\n')}\n`);
    process.stdout.write(`${report.join('\n')}\n${details.join('\n')}\n`);
  }, 150_000);

  it('keeps the order.created queue and its dead letters as quorum queues on all three nodes', () => {
    const names = nodes.map((each) => each.name).sort();
    expect(queues.main?.type).toBe('quorum');
    expect([...(queues.main?.members ?? [])].sort()).toEqual(names);
    expect(queues.deadLetters?.type).toBe('quorum');
    expect([...(queues.deadLetters?.members ?? [])].sort()).toEqual(names);
  });

  it('keeps applying orders while node 1 is down: at least half of those accepted meanwhile', () => {
    expect(outage.acceptedDuring).toBeGreaterThan(0);
    expect(outage.appliedDuring).toBeGreaterThanOrEqual(outage.acceptedDuring / 2);
  });

  it('moves every process that was on node 1 to another node, and counts the move', () => {
    const onNodeOne = brokerClients.filter(({ label }) => metricsAt.before.get(label)?.node === node(1).address);
    expect(onNodeOne.map(({ label }) => label)).toEqual(brokerClients.map(({ label }) => label));
    for (const { label } of onNodeOne) {
      expect(metricsAt.outage.get(label)?.connected, `${label} connected during the outage`).toBe(1);
      expect(metricsAt.outage.get(label)?.node, `${label}'s node during the outage`).not.toBe(node(1).address);
      expect(metricsAt.end.get(label)?.failovers, `${label}'s failovers`).toBeGreaterThanOrEqual(1);
    }
  });

  it('logs each move once, as many as the processes count', () => {
    for (const { label } of brokerClients) {
      expect(loggedFailovers.get(label)?.length, `${label}'s logged moves`).toBe(metricsAt.end.get(label)?.failovers);
    }
  });

  it('moves every process off node 2 when its VM is killed', () => {
    expect(kill.movedAfterMs, describeMetrics(metricsAt.kill)).toBeDefined();
  });

  it('catches up once the nodes are back', () => {
    expect(catchUp.caughtUp, `last seen ${JSON.stringify(catchUp.last)}`).toBe(true);
  });

  it('applies every stored order exactly once', () => {
    expect(lossAndDoubling(audit)).toEqual({ lost: 0, doubled: 0 });
    expect(audit.foreign).toEqual([]);
    expect(audit.countMismatches).toEqual([]);
  });

  it('stores every order it answered 201', () => {
    expect(load.accepted).toBeGreaterThan(0);
    expect(audit.acceptedNotStored).toEqual([]);
  });

  it('dead-letters nothing and leaves no dead outbox row', () => {
    expect(audit.deadLetterCount).toBe(0);
    expect(audit.deadRows).toEqual([]);
  });

  it('keeps every process running: none crashes instead of failing over', () => {
    expect(crashes.map((exit) => `${exit.label} ${exit.signal ?? `code ${exit.code ?? '?'}`}`)).toEqual([]);
  });
});
