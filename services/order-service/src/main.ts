import { randomUUID } from 'node:crypto';
import { observeProcess, runProcess, useDatabase } from '@orders/service-kit';
import { loadConfig } from './config.js';
import { createCustomerDirectory } from './customers/customer-directory.js';
import { openOrderDatabase } from './db/database.js';
import { createOutboxWakeupSender, noOutboxWakeup } from './outbox/wakeup/wakeup-sender.js';
import { buildApp } from './http/app.js';

// order_service: config → dependencies → buildApp → listen.
await runProcess('order_service', async () => {
  const config = loadConfig(process.env, 'api');
  const { logger, metrics, tracing } = observeProcess('order_service', config);
  const database = openOrderDatabase(config.databaseUrl, config.databasePoolSize, 'order_service', logger);
  await useDatabase(database.pool, { url: config.databaseUrl, requiredTable: 'orders', metrics, database: 'order_service' });
  const customers = createCustomerDirectory(config.customerService, logger);
  const outboxWakeup =
    config.outbox.wakeup === 'notify' ? createOutboxWakeupSender({ url: config.databaseUrl, logger }) : noOutboxWakeup;
  const app = await buildApp({
    logger,
    metrics,
    tracing,
    database,
    customers,
    outboxWakeup,
    newEventId: randomUUID,
    intake: config.intake,
    accessLog: config.logging.accessLog,
  });
  await app.listen({ host: config.host, port: config.port });
  return {
    logger,
    async stop() {
      // Stop accepting, let in-flight requests finish, then release connections.
      await app.close();
      await customers.close();
      await outboxWakeup.close();
      await database.db.destroy();
      await tracing.shutdown();
    },
  };
});
