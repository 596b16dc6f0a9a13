import type pg from 'pg';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagingTopology } from '../../packages/contracts/src/index.js';
import type { RunningConsumer } from '../../services/customer-service/src/inbox/start-order-created-consumer.js';
import { eventually } from '@orders/test-support';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import { countState, insertCustomer } from '../support/outbox-rows.js';
import { isolatedTopology, queueDepth, removeTopology, startTestConsumer } from '../support/pipeline.js';
import { unique } from '../support/running-services.js';
import { startTcpFaultProxy, type TcpFaultProxy } from '../support/tcp-fault-proxy.js';
import { TEST_RABBITMQ_URL } from '../support/test-environment.js';
import { openTestPool } from '../support/test-pool.js';
import { CONSOLE_PASSWORD, consoleRequest, orderCreatedEvent, plantDeadLetters, startConsole, type RunningConsole } from './console-harness.js';

let databases: IsolatedDatabases;
let topology: MessagingTopology;
let customerDb: pg.Pool;
let consumer: RunningConsumer;
let brokerProxy: TcpFaultProxy;
let databaseProxy: TcpFaultProxy;
let console: RunningConsole;

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  topology = isolatedTopology();
  customerDb = openTestPool(databases.customerDatabaseUrl);
  consumer = await startTestConsumer({ databaseUrl: databases.customerDatabaseUrl, topology });
  // The console reaches RabbitMQ and the order database through proxies the tests can cut.
  const broker = new URL(TEST_RABBITMQ_URL);
  brokerProxy = await startTcpFaultProxy(broker.hostname, Number(broker.port || 5672));
  const orders = new URL(databases.orderDatabaseUrl);
  databaseProxy = await startTcpFaultProxy(orders.hostname, Number(orders.port || 5432));
  console = await startConsole({
    orderDatabaseUrl: databaseProxy.url(databases.orderDatabaseUrl),
    customerDatabaseUrl: databases.customerDatabaseUrl,
    rabbitUrl: brokerProxy.url(TEST_RABBITMQ_URL),
    topology,
  });
});

afterAll(async () => {
  await console.close();
  await brokerProxy.close();
  await databaseProxy.close();
  await consumer.stop();
  await customerDb.end();
  await removeTopology(topology);
  await databases.drop();
});

describe('ops_console when a dependency is down', () => {
  it('answers a replay while RabbitMQ is unreachable with 503, removes nothing, and replays once it is back', async () => {
    const customerId = await insertCustomer(customerDb, unique('BrokerDown'));
    const event = orderCreatedEvent(customerId);
    await plantDeadLetters(topology, [{ body: event, reason: 'retries_exhausted: 12 attempts' }]);
    brokerProxy.cut();
    try {
      await eventually(async () => console.broker.current()?.isConnected(), (connected) => connected === false, { what: 'the console noticing the lost broker' });
      const refused = await consoleRequest(console.url, 'POST', '/api/dead-letters/replay', { json: { all: true } });
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ error: 'broker_unavailable', message: expect.stringMatching(/RabbitMQ is not reachable, so nothing was replayed or removed/) as string });
      expect((await consoleRequest(console.url, 'POST', '/api/dead-letters/purge', { json: { all: true } })).status).toBe(503);
      expect((await consoleRequest(console.url, 'GET', '/api/dead-letters')).status).toBe(503);
      const overview = await consoleRequest<{ broker: { connected: boolean }; dead_letters: { count: number | null }; problems: string[] }>(console.url, 'GET', '/api/overview');
      expect(overview.status).toBe(200);
      expect(overview.body.broker.connected).toBe(false);
      expect(overview.body.dead_letters.count).toBeNull();
      expect(overview.body.problems.join(' ')).toMatch(/RabbitMQ does not answer/);
      expect(await queueDepth(topology.deadLetterQueue)).toBe(1);
    } finally {
      brokerProxy.restore();
    }
    await eventually(async () => console.broker.current()?.isConnected(), (connected) => connected === true, { timeoutMs: 20_000, what: 'the console reconnected' });
    const replayed = await consoleRequest(console.url, 'POST', '/api/dead-letters/replay', { json: { all: true } });
    expect(replayed).toMatchObject({ status: 200, body: { replayed: 1 } });
    await eventually(() => countState(customerDb, customerId), (state) => state.ordersCount === 1, { what: 'the replayed event applied' });
    expect(console.logLines.filter((line) => line.action === 'dead_letters.replay').map((line) => line.outcome)).toEqual([
      { error: 'broker_unavailable' },
      { replayed: 1 },
    ]);
  });

  it('says so when the queues are not declared yet, and keeps its broker connection', async () => {
    const bare = await startConsole({
      orderDatabaseUrl: databases.orderDatabaseUrl,
      customerDatabaseUrl: databases.customerDatabaseUrl,
      topology: isolatedTopology(),
    });
    try {
      const overview = await consoleRequest<{ problems: string[]; broker: { connected: boolean } }>(bare.url, 'GET', '/api/overview');
      expect(overview.body.problems.join(' ')).toMatch(/does not exist yet; start order_created_consumer/);
      for (const [method, path] of [['GET', '/api/dead-letters'], ['POST', '/api/dead-letters/replay'], ['POST', '/api/dead-letters/purge']] as const) {
        const response = await consoleRequest(bare.url, method, path, method === 'POST' ? { json: { all: true } } : {});
        expect(response.status, path).toBe(503);
        expect(response.body, path).toMatchObject({ error: 'queue_not_declared' });
      }
      // A channel the broker closed is not a lost connection.
      expect(bare.broker.current()?.isConnected()).toBe(true);
      expect(bare.logLines.some((line) => String(line.msg).includes('lost the RabbitMQ connection'))).toBe(false);
    } finally {
      await bare.close();
    }
  });

  it('says in the overview that the order database is down, and the page still works', async () => {
    databaseProxy.cut();
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      const overview = await consoleRequest<{ outbox: Record<string, unknown>; databases: Record<string, boolean>; problems: string[] }>(console.url, 'GET', '/api/overview');
      expect(overview.status).toBe(200);
      expect(overview.body.databases).toEqual({ order_service: false, customer_service: true });
      expect(overview.body.outbox).toEqual({ pending: null, dead: null, oldest_pending_age_seconds: null });
      expect(overview.body.problems.join(' ')).toMatch(/order database \(order_service\) does not answer/);
      const rows = await consoleRequest(console.url, 'GET', '/api/outbox/dead');
      expect(rows.status).toBe(503);
      expect(rows.body).toMatchObject({ error: 'database_unavailable' });

      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, httpCredentials: { username: 'admin', password: CONSOLE_PASSWORD } });
      const page = await context.newPage();
      const scriptErrors: string[] = [];
      page.on('pageerror', (error) => scriptErrors.push(error.message));
      await page.goto(console.url);
      await page.locator('#problems li', { hasText: 'order database' }).waitFor();
      await page.locator('#dead-row-groups', { hasText: 'Dead outbox rows cannot be read' }).waitFor();
      expect(await page.locator('#outbox-dead').textContent()).toBe('unknown');
      expect(scriptErrors).toEqual([]);
    } finally {
      databaseProxy.restore();
      await browser.close();
    }
    await eventually(
      () => consoleRequest<{ databases: Record<string, boolean> }>(console.url, 'GET', '/api/overview'),
      (response) => response.body.databases.order_service === true,
      { what: 'the overview seeing the database back' },
    );
  });
});
