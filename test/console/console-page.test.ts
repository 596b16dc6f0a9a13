import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagingTopology } from '../../packages/contracts/src/index.js';
import { createMetricsRegistry, startOpsServer, type OpsServer } from '../../packages/service-kit/src/index.js';
import { startOrderCreatedConsumer, type RunningConsumer } from '../../services/customer-service/src/inbox/start-order-created-consumer.js';
import type { RunningOutboxWorker } from '../../services/order-service/src/outbox/start-outbox-worker.js';
import { eventually, freePort } from '@orders/test-support';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import { countState, insertCustomer } from '../support/outbox-rows.js';
import { isolatedTopology, removeTopology, startTestWorker, testConsumerSettings } from '../support/pipeline.js';
import {
  noTracing,
  startCustomerService,
  startOrderService,
  testLogger,
  unique,
  type RunningCustomerService,
  type RunningOrderService,
} from '../support/running-services.js';
import { TEST_RABBITMQ_URL } from '../support/test-environment.js';
import { openTestPool } from '../support/test-pool.js';
import { CONSOLE_PASSWORD, orderCreatedEvent, plantDeadLetters, plantDeadOutboxRow, startConsole, type RunningConsole } from './console-harness.js';

// The screenshots in docs/ are taken again with UPDATE_CONSOLE_SCREENSHOTS=1; an ordinary run leaves the tree clean.
const docs = (name: string) =>
  process.env.UPDATE_CONSOLE_SCREENSHOTS === '1' ? fileURLToPath(new URL(`../../docs/${name}`, import.meta.url)) : join(tmpdir(), `${process.pid}-${name}`);

// Debian's chromium, driven by playwright-core (which downloads no browser).
const BROWSER_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let databases: IsolatedDatabases;
let topology: MessagingTopology;
let orderDb: pg.Pool;
let customerDb: pg.Pool;
let customerService: RunningCustomerService;
let orderService: RunningOrderService;
let consumer: RunningConsumer;
let worker: RunningOutboxWorker;
let opsServers: OpsServer[];
let console: RunningConsole;
let browser: Browser;

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  topology = isolatedTopology();
  orderDb = openTestPool(databases.orderDatabaseUrl);
  customerDb = openTestPool(databases.customerDatabaseUrl);
  // The whole system, so the overview has real processes to probe.
  customerService = await startCustomerService({ databaseUrl: databases.customerDatabaseUrl });
  orderService = await startOrderService({ databaseUrl: databases.orderDatabaseUrl, customerServiceUrl: customerService.url });
  const consumerMetrics = createMetricsRegistry('order_created_consumer_test');
  consumer = await startOrderCreatedConsumer(
    { databaseUrl: databases.customerDatabaseUrl, broker: { urls: [TEST_RABBITMQ_URL], topology }, consumer: testConsumerSettings() },
    { logger: testLogger, metrics: consumerMetrics, tracing: noTracing },
  );
  worker = await startTestWorker({ databaseUrl: databases.orderDatabaseUrl, topology });
  const ops = async (metrics: ReturnType<typeof createMetricsRegistry>, isReady: () => Promise<boolean>) => {
    const server = await startOpsServer({ host: '127.0.0.1', port: await freePort(), metrics, isReady, logger: testLogger });
    if (server === undefined) throw new Error('no ops server');
    return server;
  };
  opsServers = [await ops(createMetricsRegistry('order_outbox_worker_test'), () => worker.isReady()), await ops(consumerMetrics, () => consumer.isReady())];
  console = await startConsole({
    orderDatabaseUrl: databases.orderDatabaseUrl,
    customerDatabaseUrl: databases.customerDatabaseUrl,
    topology,
    processes: [
      { name: 'order_service', url: orderService.url },
      { name: 'customer_service', url: customerService.url },
      { name: 'order_outbox_worker', url: `http://127.0.0.1:${opsServers[0]?.port ?? 0}` },
      { name: 'order_created_consumer', url: `http://127.0.0.1:${opsServers[1]?.port ?? 0}` },
    ],
  });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: BROWSER_ARGS });
});

afterAll(async () => {
  await browser.close();
  await console.close();
  for (const server of opsServers) await server.close();
  await worker.stop();
  await consumer.stop();
  await orderService.close();
  await customerService.close();
  await orderDb.end();
  await customerDb.end();
  await removeTopology(topology);
  await databases.drop();
});

async function openConsole(viewport: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({ viewport, httpCredentials: { username: 'admin', password: CONSOLE_PASSWORD } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(console.url);
  await page.locator('#processes li').first().waitFor();
  expect(errors, 'no script errors or blocked resources').toEqual([]);
  return page;
}

async function confirm(page: Page, expected: RegExp): Promise<void> {
  const dialog = page.locator('dialog#confirm');
  await dialog.waitFor({ state: 'visible' });
  expect(await dialog.locator('#confirm-text').textContent()).toMatch(expected);
  await dialog.locator('#confirm-ok').click();
}

describe('the operators console page, in a real browser', () => {
  it('replays a dead letter and retries a dead outbox row; both are gone and the customer is counted twice', async () => {
    const customerId = await insertCustomer(customerDb, unique('Browser'));
    const fixable = orderCreatedEvent(customerId);
    await plantDeadLetters(topology, [
      { body: fixable, reason: 'retries_exhausted: 12 attempts (customer database unavailable)' },
      { body: orderCreatedEvent(987_654), reason: 'unknown_customer: 987654' },
      { body: '{"event_id": 42', reason: 'invalid_json: Unexpected end of JSON input' },
    ]);
    const dead = await plantDeadOutboxRow(orderDb, customerId, 'unroutable: no queue is bound for order.created');
    await plantDeadOutboxRow(orderDb, await insertCustomer(customerDb, unique('Other')), 'unroutable: no queue is bound for order.created');

    const page = await openConsole({ width: 1280, height: 800 });
    const letter = page.locator(`li[data-event-id="${fixable.event_id}"]`);
    await letter.waitFor();
    expect(await page.locator('#dlq-depth').textContent()).toBe('3');
    await eventually(async () => page.locator('#processes .pill.ready').count(), (ready) => ready === 4, { what: 'four processes shown ready' });
    // The payload and headers are on the page for whoever decides.
    await letter.locator('summary').click();
    expect(await letter.locator('pre').first().textContent()).toContain(`"customer_id": ${customerId}`);
    expect(await letter.locator('pre').nth(1).textContent()).toContain('x-dead-letter-reason');
    await page.locator('[data-action="run-reconcile"]').click();
    await page.locator(`#reconcile-result tr[data-customer-id="${customerId}"]`).waitFor();
    await letter.locator('summary').click();
    await page.screenshot({ path: docs('console-desktop.png'), fullPage: true });

    await letter.locator('[data-action="replay-one"]').click();
    await confirm(page, new RegExp(`Publish dead letter ${fixable.event_id} to orders.v1 again`));
    await page.locator('#notice', { hasText: 'Replayed 1 dead letter.' }).waitFor();
    await letter.waitFor({ state: 'detached' });

    const row = page.locator(`li[data-row-id="${dead.id}"]`);
    await row.locator('[data-action="retry-one"]').click();
    await confirm(page, new RegExp(`Give outbox row ${dead.id} a fresh set of publish attempts`));
    await page.locator('#notice', { hasText: 'Retried 1 dead outbox row.' }).waitFor();
    await row.waitFor({ state: 'detached' });

    await eventually(() => countState(customerDb, customerId), (state) => state.ordersCount === 2 && state.applied === 2, {
      what: 'the replayed letter and the retried row both counted',
    });
    await page.locator('#dlq-depth', { hasText: /^2$/ }).waitFor();
    expect(console.logLines.filter((line) => line.audit === true).map((line) => line.action)).toEqual(['reconcile.run', 'dead_letters.replay', 'outbox.retry']);
    await page.context().close();
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const page = await openConsole({ width: 390, height: 844 });
    await page.locator('#dead-letter-groups .group').first().waitFor();
    // A string, because the tests are compiled without the DOM's types.
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: docs('console-phone.png'), fullPage: true });
    await page.context().close();
  });
});
