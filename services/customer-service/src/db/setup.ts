import { createLogger, readDatabaseUrl, readLoggingConfig, runOnce, setupDatabase } from '@orders/service-kit';
import { migrations } from './migrations/index.js';
import type { CustomerDatabase } from './schema.js';
import { seedCustomers } from './seed-customers.js';

// npm run db:setup: create customer_service's database if missing, migrate it and seed the ten customers.
await runOnce('customer_service db:setup', async () => {
  const logger = createLogger({ name: 'customer_service:db-setup', ...readLoggingConfig(process.env) });
  await setupDatabase<CustomerDatabase>({
    url: readDatabaseUrl(process.env, 'customer_service'),
    production: process.env.NODE_ENV === 'production',
    migrations,
    logger,
    seed: seedCustomers,
  });
});
