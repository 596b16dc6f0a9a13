import { isDatabaseReachable, type ProcessObservability } from '@orders/service-kit';
import { createHttpApp, type HttpApp } from '@orders/service-kit/http';
import { DEFAULT_INTAKE_LIMITS, type IntakeLimits } from '../config.js';
import type { CustomerDirectory } from '../customers/customer-directory.js';
import type { OrderDb } from '../db/database.js';
import { orderMessagingDocument } from '../messaging/asyncapi-document.js';
import type { OutboxWakeup } from '../outbox/wakeup/wakeup-sender.js';
import { createOrderGroupCommit } from '../orders/order-group-commit.js';
import { observeOrderWrites } from '../orders/order-write-metrics.js';
import { createOrdersRepository } from '../orders/orders.repository.js';
import { registerOrderRoutes } from '../orders/orders.routes.js';
import { createAdmissionControl } from './admission-control.js';

export interface OrderServiceDeps extends ProcessObservability {
  database: OrderDb;
  customers: CustomerDirectory;
  outboxWakeup: OutboxWakeup;
  newEventId: () => string;
  /** config.intake; tests may leave it out. */
  intake?: IntakeLimits;
  /** config.logging.accessLog; on when left out. */
  accessLog?: boolean;
}

const API_VERSION = '1.0.0';

/** The Order Service HTTP API, ready to listen; tests call this with their own dependencies. */
export async function buildApp(deps: OrderServiceDeps): Promise<HttpApp> {
  // The deps carry what the shared HTTP layer needs (logger, metrics, tracing, accessLog).
  const app = await createHttpApp({
    ...deps,
    isReady: () => isDatabaseReachable(deps.database.pool),
    openapi: {
      title: 'Order Service',
      version: API_VERSION,
      description: 'Places and lists orders. Each order is stored with its order.created event (transactional outbox).',
    },
  });
  const messaging = orderMessagingDocument(API_VERSION);
  app.get('/asyncapi.json', { schema: { hide: true } }, async () => messaging);
  const intake = deps.intake ?? DEFAULT_INTAKE_LIMITS;
  const orders = createOrdersRepository(deps.database);
  const writeMetrics = observeOrderWrites(deps.metrics);
  const groupCommit = createOrderGroupCommit({
    insertBatch: (writes) => orders.insertOrdersWithEvents(writes),
    maxBatchSize: intake.maxWriteBatch,
    maxStatementsInFlight: intake.writeStatementsInFlight,
    onCommitted: () => {
      deps.outboxWakeup.notify();
    },
    observe: writeMetrics,
  });
  writeMetrics.watchQueue(groupCommit.queued);
  const admission = createAdmissionControl({ maxInFlight: intake.maxOrdersInFlight, retryAfterSeconds: 1, metrics: deps.metrics });
  registerOrderRoutes(app, { orders, customers: deps.customers, writeOrder: groupCommit.write, newEventId: deps.newEventId }, admission);
  return app;
}
