import {
  assertDatabaseReady,
  connectToBroker,
  createLogger,
  createMetricsRegistry,
  isDatabaseReachable,
  observePostgresPool,
  runProcess,
  startOpsServer,
} from '@orders/service-kit';
import { loadConfig } from './config.js';
import { openCustomerDatabase } from './db/database.js';
import { createInboxMetrics } from './inbox/inbox-metrics.js';
import { createOrderCreatedConsumer } from './inbox/order-created-consumer.js';

// order_created_consumer: applies order.created to customers. Run as many copies as needed.
await runProcess('order_created_consumer', async () => {
  const config = loadConfig(process.env);
  const logger = createLogger({ name: 'order_created_consumer', ...config.logging });
  const metrics = createMetricsRegistry('order_created_consumer');
  const { consumer: settings } = config;
  const database = openCustomerDatabase(config.databaseUrl, settings.maxBatchesInFlight + 2, 'order_created_consumer', logger);
  try {
    await assertDatabaseReady(database.pool, config.databaseUrl, 'processed_order_events');
  } catch (error) {
    await database.db.destroy();
    throw error;
  }
  observePostgresPool(database.pool, metrics, 'customer_service');

  const consumer = createOrderCreatedConsumer({
    db: database.db,
    topology: config.messaging,
    metrics: createInboxMetrics(metrics),
    logger,
    prefetch: settings.prefetch,
    maxBatchSize: settings.maxBatchSize,
    maxBatchesInFlight: settings.maxBatchesInFlight,
    maxAttempts: settings.maxAttempts,
    retryBaseMs: settings.retryBaseMs,
    retryMaxMs: settings.retryMaxMs,
  });
  const broker = await connectToBroker({
    url: config.rabbitUrl,
    connectionName: 'order_created_consumer',
    logger,
    metrics,
    onConnected: (model) => consumer.attach(model),
  });
  const ops = await startOpsServer({
    host: config.host,
    port: settings.metricsPort,
    metrics,
    logger,
    isReady: async () => broker.isConnected() && (await isDatabaseReachable(database.pool)),
  });
  logger.info({ queue: config.messaging.queue, prefetch: settings.prefetch }, 'order.created consumer started');

  return {
    logger,
    async stop() {
      await consumer.stop();
      await broker.close();
      await ops?.close();
      await database.db.destroy();
    },
  };
});
