import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createMetricsRegistry, initTracing, type Tracing } from '../../packages/service-kit/src/index.js';
import { type HttpApp } from '../../packages/service-kit/src/http/index.js';
import { buildApp as buildCustomerApp } from '../../services/customer-service/src/http/app.js';
import { openCustomerDatabase, type CustomerDb } from '../../services/customer-service/src/db/database.js';
import { buildApp as buildOrderApp } from '../../services/order-service/src/http/app.js';
import type { IntakeLimits } from '../../services/order-service/src/config.js';
import { openOrderDatabase, type OrderDb } from '../../services/order-service/src/db/database.js';
import { createOutboxWakeupSender } from '../../services/order-service/src/outbox/wakeup/wakeup-sender.js';
import {
  createCustomerDirectory,
  type CustomerDirectoryOptions,
} from '../../services/order-service/src/customers/customer-directory.js';

export const TEST_API_KEY = 'test-internal-key';

/** Quiet unless a test run sets TEST_LOG_LEVEL, e.g. to debug a failure. */
export const testLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Tracing as in production without an exporter: installed, recording nothing. */
export const noTracing = initTracing({ serviceName: 'test', otlpEndpoint: undefined });

export interface RunningCustomerService {
  url: string;
  app: HttpApp;
  database: CustomerDb;
  close(): Promise<void>;
}

export interface RunningOrderService {
  url: string;
  app: HttpApp;
  database: OrderDb;
  close(): Promise<void>;
}

function urlOf(app: HttpApp): string {
  const address = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}

/** The real Customer Service app on a free port, over its own test database. */
export async function startCustomerService(options: {
  databaseUrl: string;
  apiKey?: string;
  beforeListen?: (app: HttpApp) => void;
  tracing?: Tracing;
}): Promise<RunningCustomerService> {
  const database = openCustomerDatabase(options.databaseUrl, 4, 'test-customer-service', testLogger);
  const app = await buildCustomerApp({
    logger: testLogger,
    metrics: createMetricsRegistry('customer_service_test'),
    tracing: options.tracing ?? noTracing,
    database,
    internalApiKey: options.apiKey ?? TEST_API_KEY,
  });
  options.beforeListen?.(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: urlOf(app),
    app,
    database,
    async close() {
      await app.close();
      await database.db.destroy();
    },
  };
}

/** The real Order Service app on a free port, checking customers against `customerServiceUrl`. */
export async function startOrderService(options: {
  databaseUrl: string;
  customerServiceUrl: string;
  apiKey?: string;
  customerCheck?: Partial<Omit<CustomerDirectoryOptions, 'url' | 'internalApiKey'>>;
  tracing?: Tracing;
  intake?: IntakeLimits;
}): Promise<RunningOrderService> {
  const database = openOrderDatabase(options.databaseUrl, 8, 'test-order-service', testLogger);
  const customers = createCustomerDirectory(
    {
      url: options.customerServiceUrl,
      internalApiKey: options.apiKey ?? TEST_API_KEY,
      timeoutMs: 500,
      retries: 1,
      cacheTtlMs: 0,
      breakerThreshold: 50,
      breakerCooldownMs: 2_000,
      ...options.customerCheck,
    },
    testLogger,
  );
  const outboxWakeup = createOutboxWakeupSender({ url: options.databaseUrl, logger: testLogger });
  const app = await buildOrderApp({
    logger: testLogger,
    metrics: createMetricsRegistry('order_service_test'),
    tracing: options.tracing ?? noTracing,
    database,
    customers,
    outboxWakeup,
    newEventId: randomUUID,
    intake: options.intake,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: urlOf(app),
    app,
    database,
    async close() {
      await app.close();
      await customers.close();
      await outboxWakeup.close();
      await database.db.destroy();
    },
  };
}

let counter = 0;
/** A value no other test uses, for names and keys. */
export function unique(label: string): string {
  counter += 1;
  return `${label}-${process.pid}-${counter}-${randomUUID().slice(0, 8)}`;
}
