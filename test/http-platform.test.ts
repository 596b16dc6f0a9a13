import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from './support/http-client.js';
import { createIsolatedDatabases, type IsolatedDatabases } from './support/isolated-databases.js';
import { startCustomerService, startOrderService, type RunningCustomerService, type RunningOrderService } from './support/running-services.js';

// What both APIs share: health, docs, metrics, error shapes and headers.

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

const services = () => [
  { name: 'order_service', url: orderService.url, paths: ['/api/v1/orders', '/api/v1/orders/{id}'] },
  { name: 'customer_service', url: customerService.url, paths: ['/customers/{id}', '/api/v1/customers', '/api/v1/customers/{id}'] },
];

describe('both APIs', () => {
  it('answer /up, /health/live and /health/ready with 200 while their database answers', async () => {
    for (const service of services()) {
      for (const path of ['/up', '/health/live', '/health/ready']) {
        const response = await request(`${service.url}${path}`);
        expect(response.status, `${service.name} ${path}`).toBe(200);
      }
    }
  });

  it('serve an OpenAPI 3.1 document with their routes and the error shape, and an interactive page', async () => {
    for (const service of services()) {
      const spec = await request<{ openapi: string; paths: Record<string, unknown> }>(`${service.url}/openapi.json`);
      expect(spec.body.openapi).toBe('3.1.0');
      expect(Object.keys(spec.body.paths)).toEqual(expect.arrayContaining(service.paths));
      expect(JSON.stringify(spec.body)).toContain('Stable snake_case code to branch on');
      const docs = await request(`${service.url}/docs`);
      expect(docs.status).toBe(200);
      expect(docs.headers.get('content-type')).toContain('text/html');
    }
  });

  it('answer an unknown route with a JSON 404', async () => {
    for (const service of services()) {
      const response = await request(`${service.url}/no/such/route?x=1`, { method: 'DELETE' });
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ error: 'not_found', message: 'no route for DELETE /no/such/route' });
    }
  });

  it('send security headers, a request id, and no x-powered-by', async () => {
    for (const service of services()) {
      const response = await request(`${service.url}/up`, { headers: { 'x-request-id': 'trace-me-123' } });
      expect(response.headers.get('x-request-id')).toBe('trace-me-123');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-powered-by')).toBeNull();
      const generated = await request(`${service.url}/up`, { headers: { 'x-request-id': 'bad id with spaces' } });
      expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('expose Prometheus metrics including request durations by route', async () => {
    await request(`${orderService.url}/api/v1/orders/1`);
    const metrics = await request(`${orderService.url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(metrics.text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/api\/v1\/orders\/:id"[^}]*status_code="404"[^}]*\} 1/);
  });
});

describe('readiness', () => {
  it('is 503 when the service’s own database does not answer, while liveness stays 200', async () => {
    const unreachable = 'postgres://postgres:postgres@127.0.0.1:1/none';
    const orphan = await startOrderService({ databaseUrl: unreachable, customerServiceUrl: customerService.url });
    try {
      expect((await request(`${orphan.url}/health/ready`)).status).toBe(503);
      expect((await request(`${orphan.url}/health/live`)).status).toBe(200);
    } finally {
      await orphan.close();
    }
  });
});
