import { createLogger, readDatabaseUrl, readLoggingConfig, runOnce, setupDatabase } from '@orders/service-kit';
import { migrations } from './migrations/index.js';

// npm run db:setup: create order_service's database if missing and migrate it.
await runOnce('order_service db:setup', async () => {
  const logger = createLogger({ name: 'order_service:db-setup', ...readLoggingConfig(process.env) });
  await setupDatabase({ url: readDatabaseUrl(process.env, 'order_service'), production: process.env.NODE_ENV === 'production', migrations, logger });
});
