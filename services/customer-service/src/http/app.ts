import { isDatabaseReachable, type ProcessObservability } from '@orders/service-kit';
import { createHttpApp, type HttpApp } from '@orders/service-kit/http';
import type { CustomerDb } from '../db/database.js';
import { createCustomersRepository } from '../customers/customers.repository.js';
import { registerCustomerRoutes } from '../customers/customers.routes.js';
import { requireInternalApiKey } from './internal-api-key.js';

export interface CustomerServiceDeps extends ProcessObservability {
  database: CustomerDb;
  internalApiKey: string;
  /** config.logging.accessLog; on when left out. */
  accessLog?: boolean;
}

/** The Customer Service HTTP API, ready to listen; tests call this with their own dependencies. */
export async function buildApp(deps: CustomerServiceDeps): Promise<HttpApp> {
  const app = await createHttpApp({
    ...deps,
    isReady: () => isDatabaseReachable(deps.database.pool),
    openapi: {
      title: 'Customer Service',
      version: '1.0.0',
      description: 'Customers and their orders_count, which the order.created consumer keeps up to date.',
    },
    securitySchemes: {
      internalApiKey: { type: 'apiKey', in: 'header', name: 'X-Internal-Api-Key', description: 'The shared INTERNAL_API_KEY' },
    },
  });
  const customers = createCustomersRepository(deps.database.db);
  // Encapsulated scope: the API key hook guards the customer routes only, not health or docs.
  await app.register(async (scope) => {
    requireInternalApiKey(scope, deps.internalApiKey);
    registerCustomerRoutes(scope, customers);
  });
  return app;
}
