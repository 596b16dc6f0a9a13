import { rmSync } from 'node:fs';
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MessagingTopology } from '../../packages/contracts/src/index.js';
import { auditPipeline, waitForCatchUp, type CatchUp, type PipelineAudit } from '../support/pipeline-audit.js';
import { startOrderLoad, type LoadSummary } from '@orders/test-support';
import {
  addPipelineProcesses,
  createServiceGroup,
  eventually,
  makeLogDirectory,
  type ProcessExit,
  type ServiceGroup,
  type ServiceProcess,
  type ServiceRole,
  startPipelineProcesses,
} from '@orders/test-support';
import { createCustomer } from '../support/customers.js';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import { insertOrdersWithEvents, outboxState } from '../support/outbox-rows.js';
import { isolatedTopology, removeTopology } from '../support/pipeline.js';
import { NPM_START, testWiring } from '../support/system-under-test.js';
import { unique } from '../support/running-services.js';
import { openTestPool } from '../support/test-pool.js';

/** runProcess gives stop() this long (close-with-grace's delay) before it exits 1 on its own. */
const GRACE_MS = 15_000;
/** Preloaded outbox rows (one backlog each), so the worker and the consumer are stopped in the middle of real work. */
const BACKLOG = 6_000;

let databases: IsolatedDatabases;
let topology: MessagingTopology;
let group: ServiceGroup;
let orderDb: pg.Pool;
let customerDb: pg.Pool;
const processes = {} as Record<ServiceRole, ServiceProcess>;
const unexpectedExits: ProcessExit[] = [];
let logDirectory: string;
/** The process logs are kept when something failed, to read why; otherwise removed with the run. */
let keepLogs = true;

// What the scenario saw, for the assertions below.
const stops = new Map<ServiceRole, ProcessExit>();
/** How far the backlogs had got when the process exited: below BACKLOG means it was stopped in the middle. */
let consumerBacklogAppliedAtExit = 0;
let workerBacklogPublishedAtExit = 0;
let load: LoadSummary;
let catchUp: CatchUp;
let audit: PipelineAudit;

/** Spacing the stops in time under a steady load is the point here; conditions are polled, never slept for. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** SIGTERM, wait for the exit, start a new copy on the same settings and wait until it is ready. */
async function stopAndReplace(role: ServiceRole, afterExit?: () => Promise<void>): Promise<void> {
  const member = processes[role];
  const exit = await member.stop('SIGTERM', GRACE_MS + 5_000);
  stops.set(role, exit);
  await afterExit?.();
  await member.start();
  await member.waitUntilReady();
}

async function backlogApplied(customerId: number): Promise<number> {
  const { rows } = await customerDb.query<{ applied: number }>('select count(*)::int as applied from processed_order_events where customer_id = $1', [
    customerId,
  ]);
  return rows[0]?.applied ?? 0;
}

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  topology = isolatedTopology();
  orderDb = openTestPool(databases.orderDatabaseUrl);
  customerDb = openTestPool(databases.customerDatabaseUrl);
  logDirectory = makeLogDirectory('graceful-shutdown');
  group = createServiceGroup({ logDirectory, launch: NPM_START, onUnexpectedExit: (_member, exit) => unexpectedExits.push(exit) });

  const pipeline = addPipelineProcesses(group, await testWiring({ databases, topology }), {
    // Every order asks Customer Service, so its restart is felt, and the breaker recovers quickly after it.
    orderServiceEnv: { CUSTOMER_CACHE_TTL_MS: '0', CUSTOMER_SERVICE_BREAKER_COOLDOWN_MS: '500' },
  });
  processes.customer_service = pipeline.customerService;
  processes.order_service = pipeline.orderService;
  [processes.order_outbox_worker] = pipeline.workers as [ServiceProcess];
  [processes.order_created_consumer] = pipeline.consumers as [ServiceProcess];
  await startPipelineProcesses(pipeline);

  const customerServiceUrl = pipeline.customerServiceUrl;
  const customers = await Promise.all(Array.from({ length: 5 }, () => createCustomer(customerServiceUrl)));
  const consumerBacklog = { customer: await createCustomer(customerServiceUrl), label: unique('ConsumerBacklog') };
  const workerBacklog = { customer: await createCustomer(customerServiceUrl), label: unique('WorkerBacklog') };

  const orders = startOrderLoad({
    orderServiceUrl: pipeline.orderServiceUrl,
    customerIds: customers.map((customer) => customer.id),
    ratePerSecond: 60,
    durationMs: 30_000,
    label: unique('Graceful'),
    maxInFlight: 200,
    timeoutMs: GRACE_MS,
  });
  try {
    await pause(1_500);
    await stopAndReplace('order_service');

    // The consumer is stopped while a backlog reaches it: batches in flight, more prefetched and queued.
    await insertOrdersWithEvents(orderDb, consumerBacklog.customer.id, BACKLOG, consumerBacklog.label);
    await eventually(() => backlogApplied(consumerBacklog.customer.id), (applied) => applied > 0, {
      timeoutMs: 10_000,
      intervalMs: 5,
      what: 'the consumer applying the backlog',
    });
    await stopAndReplace('order_created_consumer', async () => {
      consumerBacklogAppliedAtExit = await backlogApplied(consumerBacklog.customer.id);
    });

    // The worker is stopped while it drains another backlog: claims open, confirms in flight.
    await insertOrdersWithEvents(orderDb, workerBacklog.customer.id, BACKLOG, workerBacklog.label);
    await eventually(() => outboxState(orderDb, workerBacklog.label), (state) => state.published > 0, {
      timeoutMs: 10_000,
      intervalMs: 5,
      what: 'the worker publishing the backlog',
    });
    await stopAndReplace('order_outbox_worker', async () => {
      workerBacklogPublishedAtExit = (await outboxState(orderDb, workerBacklog.label)).published;
    });

    await stopAndReplace('customer_service');
    await pause(1_000);
  } finally {
    orders.stop();
    load = await orders.finished;
  }
  catchUp = await waitForCatchUp({ orderDb, customerDb, topology, timeoutMs: 20_000, quietMs: 5_000 });
  audit = await auditPipeline({ orderDb, customerDb, topology, acceptedOrderIds: load.acceptedOrderIds });
  keepLogs = false;
}, 45_000);

beforeEach(({ onTestFailed }) => {
  onTestFailed(() => {
    keepLogs = true;
  });
});

afterAll(async () => {
  await group.killAll();
  group.dispose();
  await orderDb.end();
  await customerDb.end();
  await removeTopology(topology);
  await databases.drop();
  if (keepLogs) process.stdout.write(`graceful shutdown: process logs kept in ${logDirectory}\n`);
  else rmSync(logDirectory, { recursive: true, force: true });
});

describe('graceful shutdown under a steady load', () => {
  it('exits every process with code 0 within its grace period after SIGTERM, and a new copy takes over', () => {
    const seen = [...stops.entries()].map(([role, exit]) => ({ role, code: exit.code, signal: exit.signal, inGrace: exit.elapsedMs < GRACE_MS }));
    expect(seen).toEqual(
      (['order_service', 'order_created_consumer', 'order_outbox_worker', 'customer_service'] as const).map((role) => ({
        role,
        code: 0,
        signal: null,
        inGrace: true,
      })),
    );
    expect(unexpectedExits).toEqual([]);
  });

  it('answers every request order_service accepted before it stops, and stores every order it answered 201', async () => {
    expect(load.accepted).toBeGreaterThan(0);
    expect(audit.acceptedNotStored).toEqual([]);
    // A request may fail to connect while no copy listens, or get a 503, but then nothing may have been
    // stored: a stored order without its 201 would mean a request in flight was cut off.
    const notAccepted = load.attempts
      .filter((attempt) => !(attempt.outcome?.kind === 'response' && attempt.outcome.status === 201))
      .map((attempt) => attempt.productName);
    const { rows } = await orderDb.query<{ product_name: string }>('select product_name from orders where product_name = any($1::text[])', [notAccepted]);
    expect(rows.map((row) => row.product_name)).toEqual([]);
    const outcomes = new Set(load.attempts.map((attempt) => attempt.outcome?.kind));
    expect([...outcomes].filter((kind) => kind !== 'response' && kind !== 'refused' && kind !== 'reset')).toEqual([]);
    // Nothing but 201, or a 503 that stored nothing (Customer Service restarting, or order_service closing).
    const statuses = new Set(load.attempts.flatMap((attempt) => (attempt.outcome?.kind === 'response' ? [attempt.outcome.status] : [])));
    expect([...statuses].filter((status) => status !== 201 && status !== 503)).toEqual([]);
  });

  it('applies every stored order exactly once across the worker and consumer restarts', () => {
    // Both were stopped with work left over, which their successors finished.
    expect(consumerBacklogAppliedAtExit).toBeGreaterThan(0);
    expect(consumerBacklogAppliedAtExit).toBeLessThan(BACKLOG);
    expect(workerBacklogPublishedAtExit).toBeGreaterThan(0);
    expect(workerBacklogPublishedAtExit).toBeLessThan(BACKLOG);
    expect(catchUp.caughtUp, `last seen ${JSON.stringify(catchUp.last)}`).toBe(true);
    expect(audit.lost).toEqual([]);
    expect(audit.appliedTwice).toEqual([]);
    expect(audit.foreign).toEqual([]);
    expect(audit.countMismatches).toEqual([]);
    expect(audit.appliedEvents).toBe(audit.storedOrders);
  });

  it('leaves no dead outbox row and no dead letter', () => {
    expect(audit.deadRows).toEqual([]);
    expect(audit.pendingRows).toBe(0);
    expect(audit.deadLetterCount).toBe(0);
  });
});
