import { observeProcess, runProcess, startOpsServer } from '@orders/service-kit';
import { loadConfig } from './config.js';
import { startOutboxWorker } from './outbox/start-outbox-worker.js';

// order_outbox_worker: publishes outbox rows to RabbitMQ. Run as many copies as needed.
await runProcess('order_outbox_worker', async () => {
  const config = loadConfig(process.env, 'outbox-worker');
  const observability = observeProcess('order_outbox_worker', config);
  const { logger, metrics, tracing } = observability;
  const worker = await startOutboxWorker(config, observability);
  const ops = await startOpsServer({ host: config.host, port: config.outbox.metricsPort, metrics, logger, isReady: () => worker.isReady() });
  return {
    logger,
    async stop() {
      await worker.stop();
      await ops?.close();
      await tracing.shutdown();
    },
  };
});
