import { isDatabaseReachable, type Logger, type Registry, type Tracing } from '@orders/service-kit';
import { createHttpApp, type HttpApp } from '@orders/service-kit/http';
import type { CustomerDirectory } from '../customers/customer-directory.js';
import type { OrderDb } from '../db/database.js';
import { orderMessagingDocument } from '../messaging/asyncapi-document.js';
import type { OutboxWakeup } from '../outbox/outbox-wakeup-notifier.js';
import { createOrdersRepository } from '../orders/orders.repository.js';
import { registerOrderRoutes } from '../orders/orders.routes.js';

export interface OrderServiceDeps {
  logger: Logger;
  metrics: Registry;
  tracing: Tracing;
  database: OrderDb;
  customers: CustomerDirectory;
  outboxWakeup: OutboxWakeup;
  newEventId: () => string;
}

const API_VERSION = '1.0.0';

/** The Order Service HTTP API, ready to listen; tests call this with their own dependencies. */
export async function buildApp(deps: OrderServiceDeps): Promise<HttpApp> {
  const app = await createHttpApp({
    logger: deps.logger,
    metrics: deps.metrics,
    tracing: deps.tracing,
    isReady: () => isDatabaseReachable(deps.database.pool),
    openapi: {
      title: 'Order Service',
      version: API_VERSION,
      description: 'Places and lists orders. Each order is stored with its order.created event (transactional outbox).',
    },
  });
  const messaging = orderMessagingDocument(API_VERSION);
  app.get('/asyncapi.json', { schema: { hide: true } }, async () => messaging);
  registerOrderRoutes(app, {
    orders: createOrdersRepository(deps.database.db),
    customers: deps.customers,
    outboxWakeup: deps.outboxWakeup,
    newEventId: deps.newEventId,
  });
  return app;
}
