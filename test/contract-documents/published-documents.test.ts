import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Parser } from '@asyncapi/parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_CREATED_DEAD_LETTER_QUEUE, ORDER_CREATED_QUEUE, ORDERS_EXCHANGE } from '../../packages/contracts/src/index.js';
import { request } from '../support/http-client.js';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import { startCustomerService, startOrderService, type RunningCustomerService, type RunningOrderService } from '../support/running-services.js';

// The documents the services publish, checked with the ecosystem's own tools:
// Redocly CLI for OpenAPI, the AsyncAPI parser for the messaging contract.

const redocly = fileURLToPath(new URL('../../node_modules/.bin/redocly', import.meta.url));

let databases: IsolatedDatabases;
let customerService: RunningCustomerService;
let orderService: RunningOrderService;
let workDirectory: string;

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  customerService = await startCustomerService({ databaseUrl: databases.customerDatabaseUrl });
  orderService = await startOrderService({ databaseUrl: databases.orderDatabaseUrl, customerServiceUrl: customerService.url });
  workDirectory = mkdtempSync(join(tmpdir(), 'published-documents-'));
});

afterAll(async () => {
  await orderService.close();
  await customerService.close();
  await databases.drop();
  rmSync(workDirectory, { recursive: true, force: true });
});

interface RedoclyReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; message: string }[];
}

/** Where the machine allows it, Redocly runs in a network namespace of its own with no interface up: proof that the lint needs no network. */
const offline = await promisify(execFile)('unshare', ['-rn', 'true']).then(
  () => ['unshare', ['-rn', redocly]] as const,
  () => [redocly, []] as const,
);

async function lintWithRedocly(file: string): Promise<RedoclyReport> {
  const [command, prefix] = offline;
  const { stdout } = await promisify(execFile)(command, [...prefix, 'lint', '--extends', 'recommended', '--format', 'json', file], {
    // Offline and quiet: no telemetry, no update check.
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    timeout: 60_000,
  }).catch((error: unknown) => error as { stdout: string });
  return JSON.parse(stdout) as RedoclyReport;
}

describe('the OpenAPI documents', () => {
  it("pass Redocly's recommended rules with no error and no warning, on both services", async () => {
    for (const [name, url] of [
      ['order_service', orderService.url],
      ['customer_service', customerService.url],
    ] as const) {
      const document = await request(`${url}/openapi.json`);
      const file = join(workDirectory, `${name}.openapi.json`);
      writeFileSync(file, document.text);
      const report = await lintWithRedocly(file);
      expect(report.problems.map((problem) => `${problem.ruleId}: ${problem.message}`), name).toEqual([]);
      expect(report.totals, name).toMatchObject({ errors: 0, warnings: 0 });
    }
  }, 120_000);

  it('declare the API key only on customer_service, so order_service has no Authorize button', async () => {
    type Document = { components?: { securitySchemes?: Record<string, unknown> }; paths: Record<string, Record<string, { security?: unknown[] }>> };
    const orders = (await request<Document>(`${orderService.url}/openapi.json`)).body;
    const customers = (await request<Document>(`${customerService.url}/openapi.json`)).body;
    expect(orders.components?.securitySchemes ?? {}).toEqual({});
    expect(customers.components?.securitySchemes).toHaveProperty('internalApiKey', expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-Internal-Api-Key' }));
    expect(customers.paths['/api/v1/customers']?.get?.security).toEqual([{ internalApiKey: [] }]);
    expect(customers.paths['/health/ready']?.get?.security).toEqual([]);
  });
});

describe('the AsyncAPI document at GET /asyncapi.json', () => {
  it('is a valid AsyncAPI 3 document of the exchange, routing key, queues and the order.created schema', async () => {
    const served = await request<{ asyncapi: string }>(`${orderService.url}/asyncapi.json`);
    expect(served.status).toBe(200);
    expect(served.body.asyncapi).toMatch(/^3\./);

    const { document, diagnostics } = await new Parser().parse(served.text);
    expect(diagnostics.map((diagnostic) => `${diagnostic.severity} ${diagnostic.code}: ${diagnostic.message}`)).toEqual([]);
    if (document === undefined) throw new Error('the parser returned no document');

    const addresses = document.channels().all().map((channel) => channel.address());
    expect(addresses).toEqual(expect.arrayContaining(['order.created', ORDER_CREATED_QUEUE, ORDER_CREATED_DEAD_LETTER_QUEUE]));
    const published = document.operations().all().find((operation) => operation.action() === 'send');
    const binding = published?.channels().all()[0]?.bindings().get('amqp')?.value();
    expect(binding?.exchange).toMatchObject({ name: ORDERS_EXCHANGE, type: 'topic' });

    const message = document.messages().all().find((candidate) => candidate.name() === 'order.created');
    expect(message?.payload()?.required()).toEqual(['event_id', 'occurred_at', 'order_id', 'customer_id', 'product_name', 'quantity', 'price', 'status']);
    expect(Object.keys(message?.headers()?.properties() ?? {})).toContain('traceparent');
  });
});
