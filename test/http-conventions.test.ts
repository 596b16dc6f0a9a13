import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsRegistry, readLoggingConfig, startOpsServer } from '../packages/service-kit/src/index.js';
import { createHttpApp } from '../packages/service-kit/src/http/index.js';
import { request } from './support/http-client.js';
import { freePort } from '@orders/test-support';
import { createIsolatedDatabases, type IsolatedDatabases } from './support/isolated-databases.js';
import { noTracing, startCustomerService, startOrderService, testLogger, type RunningCustomerService, type RunningOrderService } from './support/running-services.js';

// HTTP conventions every process keeps: 405 with Allow for a known path and
// another method, and one access-log line per request.

let databases: IsolatedDatabases;
let customerService: RunningCustomerService;
let orderService: RunningOrderService;

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  customerService = await startCustomerService({ databaseUrl: databases.customerDatabaseUrl });
  orderService = await startOrderService({ databaseUrl: databases.orderDatabaseUrl, customerServiceUrl: customerService.url });
});

afterAll(async () => {
  await orderService.close();
  await customerService.close();
  await databases.drop();
});

describe('a known path asked with a method it does not serve', () => {
  it('answers 405 method_not_allowed with an Allow header on both services', async () => {
    const cases = [
      { url: `${orderService.url}/api/v1/orders`, method: 'DELETE', allow: ['GET', 'HEAD', 'POST'] },
      { url: `${orderService.url}/api/v1/orders/42?x=1`, method: 'PUT', allow: ['GET', 'HEAD'] },
      { url: `${orderService.url}/health/ready`, method: 'POST', allow: ['GET', 'HEAD'] },
      { url: `${customerService.url}/api/v1/customers`, method: 'PATCH', allow: ['GET', 'HEAD', 'POST'] },
      { url: `${customerService.url}/customers/3`, method: 'DELETE', allow: ['GET', 'HEAD'] },
    ];
    for (const { url, method, allow } of cases) {
      const response = await request<{ error: string; message: string }>(url, { method });
      expect(response.status, `${method} ${url}`).toBe(405);
      expect(response.headers.get('allow')?.split(', ')).toEqual(allow);
      expect(response.body).toEqual({ error: 'method_not_allowed', message: expect.stringContaining(method) as string });
    }
  });

  it('still answers 404 not_found for a path nothing serves, whatever the method', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await request<{ error: string }>(`${orderService.url}/api/v1/orders/1/items`, { method });
      expect(response.status).toBe(404);
      expect(response.body.error).toBe('not_found');
    }
  });

  it('answers 405 with Allow: GET on the ops server of the worker and the consumer', async () => {
    const ops = await startOpsServer({ host: '127.0.0.1', port: await freePort(), metrics: createMetricsRegistry('ops_test'), isReady: async () => true, logger: testLogger });
    try {
      const response = await request<{ error: string }>(`http://127.0.0.1:${ops?.port ?? 0}/metrics`, { method: 'POST' });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET');
      expect(response.body.error).toBe('method_not_allowed');
      expect((await request(`http://127.0.0.1:${ops?.port ?? 0}/nothing`, { method: 'POST' })).status).toBe(404);
    } finally {
      await ops?.close();
    }
  });
});

async function appLoggingTo(lines: Record<string, unknown>[], accessLog: boolean | undefined) {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = await createHttpApp({
    logger: pino({ level: 'info' }, sink),
    metrics: createMetricsRegistry('access_log_test'),
    tracing: noTracing,
    isReady: async () => true,
    openapi: { title: 'test', version: '1', description: 'test' },
    accessLog,
  });
  app.get('/things/:id', async () => ({ ok: true }));
  return app;
}

describe('a body with a "__proto__" key', () => {
  it('is valid JSON whose unknown field is ignored: the order is stored, and no prototype changes', async () => {
    const body = '{"customer_id": 3, "product_name": "Proto", "quantity": 1, "price": 2, "__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}';
    const response = await request<{ product_name: string }>(`${orderService.url}/api/v1/orders`, { rawBody: body, headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(201);
    expect(response.body.product_name).toBe('Proto');
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('the access log', () => {
  it('writes one info line per request with method, route, status, milliseconds and request id', async () => {
    const lines: Record<string, unknown>[] = [];
    const app = await appLoggingTo(lines, undefined);
    try {
      const ok = await app.inject({ method: 'GET', url: '/things/7?q=1', headers: { 'x-request-id': 'access-log-1' } });
      const missing = await app.inject({ method: 'GET', url: '/nothing', headers: { 'x-request-id': 'access-log-2' } });
      expect([ok.statusCode, missing.statusCode]).toEqual([200, 404]);
      const requestLines = lines.filter((line) => line.msg === 'request');
      expect(requestLines).toEqual([
        expect.objectContaining({ level: 30, reqId: 'access-log-1', method: 'GET', route: '/things/:id', status: 200, ms: expect.any(Number) as number }),
        expect.objectContaining({ level: 30, reqId: 'access-log-2', method: 'GET', route: 'unmatched', status: 404 }),
      ]);
    } finally {
      await app.close();
    }
  });

  it('is on unless ACCESS_LOG switches it off, and then writes nothing per request', async () => {
    expect(readLoggingConfig({}).accessLog).toBe(true);
    expect(readLoggingConfig({ ACCESS_LOG: 'off' }).accessLog).toBe(false);
    const lines: Record<string, unknown>[] = [];
    const app = await appLoggingTo(lines, false);
    try {
      expect((await app.inject({ method: 'GET', url: '/things/7' })).statusCode).toBe(200);
      expect(lines.filter((line) => line.msg === 'request')).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
