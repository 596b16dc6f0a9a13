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
import { openOrderDatabase } from './db/database.js';
import { createEventPublisher } from './outbox/event-publisher.js';
import { observeOutboxBacklog } from './outbox/outbox-backlog-metrics.js';
import { listenForOutboxInserts } from './outbox/outbox-insert-listener.js';
import { createOutboxMetrics } from './outbox/outbox-metrics.js';
import { createOutboxRelay } from './outbox/outbox-relay.js';
import { createWakeSignal } from './outbox/wake-signal.js';

// order_outbox_worker: publishes outbox rows to RabbitMQ. Run as many copies as needed.
await runProcess('order_outbox_worker', async () => {
  const config = loadConfig(process.env);
  const logger = createLogger({ name: 'order_outbox_worker', ...config.logging });
  const metrics = createMetricsRegistry('order_outbox_worker');
  const { outbox } = config;
  // One connection per relay loop, one for metrics and retention.
  const database = openOrderDatabase(config.databaseUrl, outbox.concurrency + 2, 'order_outbox_worker', logger);
  try {
    await assertDatabaseReady(database.pool, config.databaseUrl, 'outbox_events');
  } catch (error) {
    await database.db.destroy();
    throw error;
  }
  observePostgresPool(database.pool, metrics, 'order_service');
  observeOutboxBacklog(metrics, database.db);

  const publisher = createEventPublisher({ topology: config.messaging, confirmTimeoutMs: outbox.confirmTimeoutMs, logger });
  const broker = await connectToBroker({
    url: config.rabbitUrl,
    connectionName: 'order_outbox_worker',
    logger,
    metrics,
    onConnected: (model) => publisher.attach(model),
  });

  const signal = createWakeSignal();
  const listener = outbox.wakeup === 'notify' ? listenForOutboxInserts({ url: config.databaseUrl, signal, logger }) : undefined;
  const relay = createOutboxRelay({
    db: database.db,
    publisher,
    signal,
    metrics: createOutboxMetrics(metrics),
    logger,
    batchSize: outbox.batchSize,
    concurrency: outbox.concurrency,
    maxAttempts: outbox.maxAttempts,
    backoffBaseMs: outbox.backoffBaseMs,
    backoffMaxMs: outbox.backoffMaxMs,
    pollIntervalMs: outbox.pollIntervalMs,
  });
  relay.start();
  const ops = await startOpsServer({
    host: config.host,
    port: outbox.metricsPort,
    metrics,
    logger,
    isReady: async () => broker.isConnected() && (await isDatabaseReachable(database.pool)),
  });
  logger.info({ wakeup: outbox.wakeup, batchSize: outbox.batchSize, concurrency: outbox.concurrency }, 'outbox worker started');

  return {
    logger,
    async stop() {
      // Finish the batches in flight (publish, confirm, commit), then let go of everything.
      await relay.stop();
      await listener?.close();
      await publisher.close();
      await broker.close();
      await ops?.close();
      await database.db.destroy();
    },
  };
});
