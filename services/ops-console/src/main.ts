import { createPostgresPool, observeProcess, runProcess } from '@orders/service-kit';
import { keepConsoleBroker } from './broker/console-broker.js';
import { loadConfig } from './config.js';
import { buildConsoleApp } from './http/console-app.js';

// ops_console: config → dependencies → buildConsoleApp → listen. It starts without
// its dependencies too: an operator opens it when something is down.
await runProcess('ops_console', async () => {
  const config = loadConfig(process.env);
  const { logger, metrics, tracing } = observeProcess('ops_console', { logging: config.logging, otlpEndpoint: undefined });
  const orderDb = createPostgresPool({ url: config.orderDatabaseUrl, applicationName: 'ops_console', max: 4, logger });
  const customerDb = createPostgresPool({ url: config.customerDatabaseUrl, applicationName: 'ops_console', max: 4, logger });
  const broker = keepConsoleBroker({ ...config.broker, logger, metrics });
  const app = await buildConsoleApp({
    logger,
    metrics,
    tracing,
    password: config.password,
    orderDb,
    customerDb,
    broker,
    processes: config.processes,
    reconcile: config.reconcile,
  });
  await app.listen({ host: config.host, port: config.port });
  return {
    logger,
    async stop() {
      await app.close();
      await broker.close();
      await orderDb.end();
      await customerDb.end();
      await tracing.shutdown();
    },
  };
});
