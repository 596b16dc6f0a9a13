import { observeProcess, runProcess, startOpsServer } from '@orders/service-kit';
import { loadConfig } from './config.js';
import { startOrderCreatedConsumer } from './inbox/start-order-created-consumer.js';

// order_created_consumer: applies order.created to customers. Run as many copies as needed.
await runProcess('order_created_consumer', async () => {
  const config = loadConfig(process.env, 'consumer');
  const observability = observeProcess('order_created_consumer', config);
  const { logger, metrics, tracing } = observability;
  const consumer = await startOrderCreatedConsumer(config, observability);
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
