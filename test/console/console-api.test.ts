import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagingTopology } from '../../packages/contracts/src/index.js';
import type { RunningConsumer } from '../../services/customer-service/src/inbox/start-order-created-consumer.js';
import type { RunningOutboxWorker } from '../../services/order-service/src/outbox/start-outbox-worker.js';
import { eventually } from '@orders/test-support';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import { countState, insertCustomer } from '../support/outbox-rows.js';
import { isolatedTopology, queueDepth, removeTopology, startTestConsumer, startTestWorker } from '../support/pipeline.js';
import { unique } from '../support/running-services.js';
import { openTestPool } from '../support/test-pool.js';
import {
  AUTHORIZATION,
  consoleRequest,
  orderCreatedEvent,
  plantDeadLetters,
  plantDeadOutboxRow,
  startConsole,
  type RunningConsole,
} from './console-harness.js';

let databases: IsolatedDatabases;
let topology: MessagingTopology;
let orderDb: pg.Pool;
let customerDb: pg.Pool;
let consumer: RunningConsumer;
let worker: RunningOutboxWorker;
let console: RunningConsole;

interface Letter {
  event_id: string | null;
  reason: string;
  payload: unknown;
  headers: Record<string, unknown>;
}

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  topology = isolatedTopology();
  orderDb = openTestPool(databases.orderDatabaseUrl);
  customerDb = openTestPool(databases.customerDatabaseUrl);
  // The consumer declares the queues (and applies what the console replays); the worker publishes retried rows.
  consumer = await startTestConsumer({ databaseUrl: databases.customerDatabaseUrl, topology });
  worker = await startTestWorker({ databaseUrl: databases.orderDatabaseUrl, topology });
  console = await startConsole({ orderDatabaseUrl: databases.orderDatabaseUrl, customerDatabaseUrl: databases.customerDatabaseUrl, topology });
});

afterAll(async () => {
  await console.close();
  await worker.stop();
  await consumer.stop();
  await orderDb.end();
  await customerDb.end();
  await removeTopology(topology);
  await databases.drop();
});

/** Empties the dead-letter queue between tests, so each one sees only what it planted. */
async function purgeAll(): Promise<void> {
  const purged = await consoleRequest(console.url, 'POST', '/api/dead-letters/purge', { json: { all: true } });
  expect(purged.status).toBe(200);
}

const auditLines = (action: string) => console.logLines.filter((line) => line.audit === true && line.action === action);

describe('ops_console safety', () => {
  it('asks for admin credentials on every route, page and static files included', async () => {
    for (const path of ['/', '/console.js', '/console.css', '/api/overview', '/api/dead-letters', '/health/ready', '/metrics', '/docs', '/nowhere']) {
      for (const authorization of [undefined, `Basic ${Buffer.from('admin:wrong').toString('base64')}`, `Basic ${Buffer.from('root:test-console-password').toString('base64')}`, 'Bearer x']) {
        const response = await fetch(new URL(path, console.url), { headers: authorization === undefined ? {} : { authorization } });
        expect(response.status, `${path} with ${authorization ?? 'nothing'}`).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
        expect(await response.json()).toMatchObject({ error: 'unauthorized' });
      }
    }
    const page = await fetch(new URL('/', console.url), { headers: { authorization: AUTHORIZATION } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const document = await consoleRequest<{ components: { securitySchemes: object }; paths: Record<string, object> }>(console.url, 'GET', '/openapi.json');
    expect(document.body.components.securitySchemes).toEqual({ consoleBasic: expect.objectContaining({ type: 'http', scheme: 'basic' }) as object });
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining(['/api/overview', '/api/dead-letters', '/api/dead-letters/replay', '/api/dead-letters/purge', '/api/outbox/dead', '/api/outbox/dead/retry', '/api/reconcile']),
    );
  });

  it('refuses a POST that is not application/json, so a cross-site form cannot trigger an action', async () => {
    await plantDeadLetters(topology, [{ body: orderCreatedEvent(1), reason: 'test: form post' }]);
    for (const [type, body] of [
      ['application/x-www-form-urlencoded', 'all=true'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="all"\r\n\r\ntrue\r\n--x--'],
      ['text/plain', '{"all":true}'],
    ] as const) {
      const response = await consoleRequest(console.url, 'POST', '/api/dead-letters/purge', { headers: { 'content-type': type }, body });
      expect(response.status, type).toBe(415);
      expect(response.body).toMatchObject({ error: 'unsupported_media_type' });
    }
    const bare = await fetch(new URL('/api/dead-letters/purge', console.url), { method: 'POST', headers: { authorization: AUTHORIZATION } });
    expect(bare.status).toBe(415);
    expect(await queueDepth(topology.deadLetterQueue)).toBe(1);
    await purgeAll();
  });

  it('answers a malformed selector with 422 and acts on nothing', async () => {
    await plantDeadLetters(topology, [{ body: orderCreatedEvent(1), reason: 'test: malformed' }]);
    for (const body of [{}, { all: false }, { event_ids: [] }, { event_ids: 'abc' }, { reason: '' }, { all: true, reason: 'x' }, [1, 2], 'all']) {
      const response = await consoleRequest(console.url, 'POST', '/api/dead-letters/replay', { json: body });
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(response.body).toMatchObject({ error: 'validation_failed' });
    }
    for (const body of [{}, { ids: [0] }, { ids: ['1'] }, { ids: [1.5] }, { all: 'yes' }]) {
      const response = await consoleRequest(console.url, 'POST', '/api/outbox/dead/retry', { json: body });
      expect(response.status, JSON.stringify(body)).toBe(422);
    }
    const broken = await consoleRequest(console.url, 'POST', '/api/dead-letters/replay', { headers: { 'content-type': 'application/json' }, body: '{"all":' });
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ error: 'invalid_json' });
    expect(await queueDepth(topology.deadLetterQueue)).toBe(1);
    await purgeAll();
  });
});

describe('ops_console dead letters', () => {
  it('shows dead letters with reason, payload and headers, and thirty looks in a row lose, reorder or dead-letter none', async () => {
    const [a, b, c] = [orderCreatedEvent(1), orderCreatedEvent(2), orderCreatedEvent(3)];
    await plantDeadLetters(topology, [
      { body: a, reason: 'retries_exhausted: 12 attempts' },
      { body: 'not json at all', reason: 'invalid_json' },
      { body: b, reason: 'unknown_customer' },
      { body: c, reason: 'retries_exhausted: 12 attempts' },
    ]);
    const expected = [a.event_id, null, b.event_id, c.event_id];
    for (let look = 1; look <= 30; look += 1) {
      const response = await consoleRequest<Letter[]>(console.url, 'GET', '/api/dead-letters');
      expect(response.status).toBe(200);
      expect(response.headers.get('x-total-count')).toBe('4');
      expect(response.body.map((letter) => letter.event_id), `look ${look}`).toEqual(expected);
    }
    const [first, junk] = (await consoleRequest<Letter[]>(console.url, 'GET', '/api/dead-letters')).body;
    expect(first).toMatchObject({ reason: 'retries_exhausted: 12 attempts', payload: a });
    expect(first?.headers).toMatchObject({ 'x-dead-letter-reason': 'retries_exhausted: 12 attempts' });
    expect(first?.headers).not.toHaveProperty('x-delivery-count');
    expect(junk).toMatchObject({ event_id: null, reason: 'invalid_json', payload: 'not json at all' });
    expect(await queueDepth(topology.deadLetterQueue)).toBe(4);
    await purgeAll();
  });

  it('replays one dead letter by event_id, the consumer applies it, and the others stay', async () => {
    const customerId = await insertCustomer(customerDb, unique('Replayed'));
    const fixable = orderCreatedEvent(customerId);
    const other = orderCreatedEvent(customerId);
    await plantDeadLetters(topology, [
      { body: other, reason: 'unknown_customer' },
      { body: fixable, reason: 'retries_exhausted: 12 attempts' },
    ]);
    const replayed = await consoleRequest(console.url, 'POST', '/api/dead-letters/replay', { json: { event_ids: [fixable.event_id] } });
    expect(replayed).toMatchObject({ status: 200, body: { replayed: 1 } });
    await eventually(() => countState(customerDb, customerId), (state) => state.ordersCount === 1 && state.applied === 1, { what: 'the replayed event applied' });
    const left = await consoleRequest<Letter[]>(console.url, 'GET', '/api/dead-letters');
    expect(left.body.map((letter) => letter.event_id)).toEqual([other.event_id]);
    const [line] = auditLines('dead_letters.replay').slice(-1);
    expect(line).toMatchObject({ target: { event_ids: [fixable.event_id] }, outcome: { replayed: 1 }, user: 'admin' });
    expect(typeof line?.at).toBe('string');
    await purgeAll();
  });

  it('replays every dead letter of one reason, and purges one and then a whole reason', async () => {
    const customerId = await insertCustomer(customerDb, unique('ByReason'));
    const [a, b, c, d] = [orderCreatedEvent(customerId), orderCreatedEvent(customerId), orderCreatedEvent(customerId), orderCreatedEvent(customerId)];
    await plantDeadLetters(topology, [
      { body: a, reason: 'retries_exhausted: 3 attempts' },
      { body: b, reason: 'schema: price' },
      { body: c, reason: 'retries_exhausted: 3 attempts' },
      { body: d, reason: 'schema: price' },
    ]);
    const replayed = await consoleRequest(console.url, 'POST', '/api/dead-letters/replay', { json: { reason: 'retries_exhausted: 3 attempts' } });
    expect(replayed.body).toEqual({ replayed: 2 });
    await eventually(() => countState(customerDb, customerId), (state) => state.ordersCount === 2, { what: 'both replayed events applied' });

    const purgedOne = await consoleRequest(console.url, 'POST', '/api/dead-letters/purge', { json: { event_ids: [d.event_id] } });
    expect(purgedOne.body).toEqual({ purged: 1 });
    expect((await consoleRequest<Letter[]>(console.url, 'GET', '/api/dead-letters')).body.map((l) => l.event_id)).toEqual([b.event_id]);
    const purgedReason = await consoleRequest(console.url, 'POST', '/api/dead-letters/purge', { json: { reason: 'schema: price' } });
    expect(purgedReason.body).toEqual({ purged: 1 });
    expect(await queueDepth(topology.deadLetterQueue)).toBe(0);
    expect(auditLines('dead_letters.purge').slice(-2).map((line) => line.outcome)).toEqual([{ purged: 1 }, { purged: 1 }]);
  });

  it('answers an unknown event_id with 404 and replays nothing, not even the ids it knows', async () => {
    const known = orderCreatedEvent(1);
    await plantDeadLetters(topology, [{ body: known, reason: 'unknown_customer' }]);
    const response = await consoleRequest(console.url, 'POST', '/api/dead-letters/replay', {
      json: { event_ids: [known.event_id, '00000000-0000-4000-8000-000000000000'] },
    });
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ error: 'not_found', message: expect.stringContaining('00000000-0000-4000-8000-000000000000') as string });
    expect((await consoleRequest<Letter[]>(console.url, 'GET', '/api/dead-letters')).body.map((l) => l.event_id)).toEqual([known.event_id]);
    expect(auditLines('dead_letters.replay').at(-1)).toMatchObject({ outcome: { error: 'not_found' } });
    await purgeAll();
  });
});

describe('ops_console dead outbox rows', () => {
  it('lists dead rows and retries one; the worker publishes it and the customer is counted', async () => {
    const customerId = await insertCustomer(customerDb, unique('DeadRow'));
    const dead = await plantDeadOutboxRow(orderDb, customerId, 'unroutable: no queue is bound for order.created');
    const listed = await consoleRequest<Array<Record<string, unknown>>>(console.url, 'GET', '/api/outbox/dead');
    expect(listed.body).toContainEqual(
      expect.objectContaining({ id: dead.id, event_id: dead.eventId, order_id: dead.orderId, attempts: 10, last_error: 'unroutable: no queue is bound for order.created' }),
    );
    const unknown = await consoleRequest(console.url, 'POST', '/api/outbox/dead/retry', { json: { ids: [dead.id, 999_999_999] } });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: 'not_found', message: expect.stringContaining('999999999') as string });

    const retried = await consoleRequest(console.url, 'POST', '/api/outbox/dead/retry', { json: { ids: [dead.id] } });
    expect(retried).toMatchObject({ status: 200, body: { retried: 1 } });
    await eventually(() => countState(customerDb, customerId), (state) => state.ordersCount === 1, { what: 'the retried row applied' });
    expect((await consoleRequest<unknown[]>(console.url, 'GET', '/api/outbox/dead')).body).not.toContainEqual(expect.objectContaining({ id: dead.id }));
    expect(auditLines('outbox.retry').map((line) => line.outcome)).toEqual([{ error: 'not_found', missing: [999_999_999] }, { retried: 1 }]);
  });
});

describe('ops_console overview and reconciliation', () => {
  it('shows outbox, queue and dead-letter figures and each process', async () => {
    const customerId = await insertCustomer(customerDb, unique('Overview'));
    await plantDeadOutboxRow(orderDb, customerId, 'rejected: nacked by the broker');
    await plantDeadLetters(topology, [{ body: orderCreatedEvent(customerId), reason: 'unknown_customer' }]);
    const overview = await consoleRequest<Record<string, Record<string, unknown>>>(console.url, 'GET', '/api/overview');
    expect(overview.status).toBe(200);
    expect(overview.body.outbox).toMatchObject({ pending: expect.any(Number) as number, dead: expect.any(Number) as number });
    expect(overview.body.outbox?.dead).toBeGreaterThanOrEqual(1);
    expect(overview.body.dead_letters).toEqual({ count: 1 });
    expect(overview.body.queue).toEqual({ depth: expect.any(Number) as number });
    expect(overview.body.databases).toEqual({ order_service: true, customer_service: true });
    expect(overview.body.broker).toMatchObject({ connected: true });
    expect(overview.body.processes).toEqual([]);
    await consoleRequest(console.url, 'POST', '/api/outbox/dead/retry', { json: { all: true } });
    await purgeAll();
  });

  it('finds a customer whose orders_count drifted, with the three numbers', async () => {
    const customerId = await insertCustomer(customerDb, unique('Drift'));
    await customerDb.query('update customers set orders_count = orders_count + 2 where id = $1', [customerId]);
    const report = await consoleRequest<{ customers_checked: number; mismatches: unknown[] }>(console.url, 'GET', '/api/reconcile');
    expect(report.status).toBe(200);
    expect(report.body.customers_checked).toBeGreaterThanOrEqual(10);
    expect(report.body.mismatches).toContainEqual({ customer_id: customerId, orders_stored: 0, orders_count: 2, applied_events: 0 });
    const repair = await consoleRequest(console.url, 'POST', '/api/reconcile/repair', { json: { customer_ids: [1] } });
    expect(repair.status).toBe(404);
    const notRepairable = await consoleRequest(console.url, 'POST', '/api/reconcile/repair', { json: { customer_ids: [customerId] } });
    expect(notRepairable.body).toEqual({ republished: 0, customers: [{ customer_id: customerId, outcome: 'not_repairable', republished_order_ids: [] }] });
    await customerDb.query('update customers set orders_count = orders_count - 2 where id = $1', [customerId]);
  });

  it('repairs a customer whose event never arrived by re-publishing it', async () => {
    const customerId = await insertCustomer(customerDb, unique('Missing'));
    // An order stored and marked published whose message never reached the consumer.
    const dead = await plantDeadOutboxRow(orderDb, customerId, 'lost');
    await orderDb.query('update outbox_events set dead_at = null, published_at = now() where id = $1', [dead.id]);
    const report = await consoleRequest<{ mismatches: unknown[] }>(console.url, 'GET', '/api/reconcile');
    expect(report.body.mismatches).toContainEqual({ customer_id: customerId, orders_stored: 1, orders_count: 0, applied_events: 0 });
    const repaired = await consoleRequest<{ republished: number }>(console.url, 'POST', '/api/reconcile/repair', { json: { customer_ids: [customerId] } });
    expect(repaired.body).toMatchObject({ republished: 1, customers: [{ customer_id: customerId, outcome: 'republished', republished_order_ids: [dead.orderId] }] });
    await eventually(() => countState(customerDb, customerId), (state) => state.ordersCount === 1 && state.applied === 1, { what: 'the repaired event applied' });
    expect(auditLines('reconcile.repair').at(-1)).toMatchObject({ outcome: { republished: 1 } });
  });
});
