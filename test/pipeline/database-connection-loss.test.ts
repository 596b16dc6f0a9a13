import { rmSync } from 'node:fs';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagingTopology } from '../../packages/contracts/src/index.js';
import { createCustomer } from '../support/customers.js';
import { terminateDatabaseConnections } from '../support/infrastructure.js';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import { startOrderLoad, type LoadSummary } from '@orders/test-support';
import { auditPipeline, waitForCatchUp, type PipelineAudit } from '../support/pipeline-audit.js';
import { isolatedTopology, removeTopology } from '../support/pipeline.js';
import { NPM_START, testWiring } from '../support/system-under-test.js';
import { unique } from '../support/running-services.js';
import {
  addPipelineProcesses,
  createServiceGroup,
  makeLogDirectory,
  type ProcessExit,
  type ServiceGroup,
  startPipelineProcesses,
} from '@orders/test-support';
import { openTestPool } from '../support/test-pool.js';

// PostgreSQL ends connections on pg_terminate_backend, a restart or a
// failover. Every process must ride that out: the query in flight fails (an
// API answers 503 database_unavailable), the pool reconnects, nothing crashes.

let databases: IsolatedDatabases;
let topology: MessagingTopology;
let group: ServiceGroup;
let orderDb: pg.Pool;
let customerDb: pg.Pool;
let logDirectory: string;
const unexpectedExits: ProcessExit[] = [];
let terminated = 0;
let load: LoadSummary;
let audit: PipelineAudit;

const databaseName = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  topology = isolatedTopology();
  orderDb = openTestPool(databases.orderDatabaseUrl);
  customerDb = openTestPool(databases.customerDatabaseUrl);
  logDirectory = makeLogDirectory('connection-loss');
  group = createServiceGroup({ logDirectory, launch: NPM_START, onUnexpectedExit: (_member, exit) => unexpectedExits.push(exit) });
  const processes = addPipelineProcesses(group, await testWiring({ databases, topology }));
  await startPipelineProcesses(processes);

  const customers = await Promise.all(Array.from({ length: 4 }, () => createCustomer(processes.customerServiceUrl)));
  const orders = startOrderLoad({
    orderServiceUrl: processes.orderServiceUrl,
    customerIds: customers.map((customer) => customer.id),
    ratePerSecond: 50,
    durationMs: 8_000,
    label: unique('Severed'),
  });
  for (let round = 0; round < 3; round += 1) {
    // Spread over the load, so connections are cut while requests, claims and batches are in flight.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    terminated += await terminateDatabaseConnections([databaseName(databases.orderDatabaseUrl), databaseName(databases.customerDatabaseUrl)]);
  }
  load = await orders.finished;
  await waitForCatchUp({ orderDb, customerDb, topology, timeoutMs: 20_000, quietMs: 2_000 });
  audit = await auditPipeline({ orderDb, customerDb, topology, acceptedOrderIds: load.acceptedOrderIds });
}, 60_000);

afterAll(async () => {
  await group.killAll();
  group.dispose();
  await orderDb.end();
  await customerDb.end();
  await removeTopology(topology);
  await databases.drop();
  if (unexpectedExits.length === 0) rmSync(logDirectory, { recursive: true, force: true });
  else process.stdout.write(`connection loss: process logs kept in ${logDirectory}\n`);
});

describe('when PostgreSQL drops every connection of the services', () => {
  it('keeps every process running', () => {
    expect(terminated).toBeGreaterThan(0);
    expect(unexpectedExits.map((exit) => `${exit.label} exited ${exit.code ?? exit.signal ?? '?'}: see ${exit.logFile}`)).toEqual([]);
  });

  it('answers an order that hits the dropped connection with 503 database_unavailable, never a 500', () => {
    expect(load.accepted).toBeGreaterThan(0);
    const outcomes = Object.keys(load.otherOutcomes);
    expect(outcomes.filter((outcome) => !outcome.startsWith('503 database_unavailable'))).toEqual([]);
  });

  it('still stores every accepted order and applies each exactly once', () => {
    expect(audit.acceptedNotStored).toEqual([]);
    expect(audit.lost).toEqual([]);
    expect(audit.appliedTwice).toEqual([]);
    expect(audit.countMismatches).toEqual([]);
    expect(audit.deadRows).toEqual([]);
    expect(audit.deadLetterCount).toBe(0);
  });
});
