import { observeProcess, runProcess, useDatabase } from '@orders/service-kit';
import { loadConfig } from './config.js';
import { openCustomerDatabase } from './db/database.js';
import { buildApp } from './http/app.js';

// customer_service: config → dependencies → buildApp → listen.
await runProcess('customer_service', async () => {
  const config = loadConfig(process.env, 'api');
  const { logger, metrics, tracing } = observeProcess('customer_service', config);
  const database = openCustomerDatabase(config.databaseUrl, config.databasePoolSize, 'customer_service', logger);
  await useDatabase(database.pool, { url: config.databaseUrl, requiredTable: 'customers', metrics, database: 'customer_service' });
  const app = await buildApp({ logger, metrics, tracing, database, internalApiKey: config.internalApiKey, accessLog: config.logging.accessLog });
  await app.listen({ host: config.host, port: config.port });
  return {
    logger,
    async stop() {
      await app.close();
      await database.db.destroy();
      await tracing.shutdown();
    },
  };
});
