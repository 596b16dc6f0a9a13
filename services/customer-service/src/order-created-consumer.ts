import { createLogger, createMetricsRegistry, initTracing, runProcess, startOpsServer } from '@orders/service-kit';
import { loadConfig } from './config.js';
import { startOrderCreatedConsumer } from './inbox/start-order-created-consumer.js';

// order_created_consumer: applies order.created to customers. Run as many copies as needed.
await runProcess('order_created_consumer', async () => {
  const config = loadConfig(process.env, 'consumer');
  const logger = createLogger({ name: 'order_created_consumer', ...config.logging });
  const metrics = createMetricsRegistry('order_created_consumer');
  const tracing = initTracing({ serviceName: 'order_created_consumer', otlpEndpoint: config.otlpEndpoint });
  const consumer = await startOrderCreatedConsumer(config, { logger, metrics, tracing });
  const ops = await startOpsServer({ host: config.host, port: config.consumer.metricsPort, metrics, logger, isReady: () => consumer.isReady() });
  return {
    logger,
    async stop() {
      await consumer.stop();
      await ops?.close();
      await tracing.shutdown();
    },
  };
});
