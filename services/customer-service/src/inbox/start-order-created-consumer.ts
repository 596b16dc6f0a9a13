import { isDatabaseReachable, useDatabase, type ProcessObservability, type RunningWorker } from '@orders/service-kit';
import { connectToBroker, type BrokerConnection } from '@orders/service-kit/broker';
import type { CustomerServiceConfig } from '../config.js';
import { openCustomerDatabase } from '../db/database.js';
import { createInboxMetrics } from './inbox-metrics.js';
import { scheduleInboxRetention } from './inbox-retention.js';
import { createOrderCreatedConsumer } from './order-created-consumer.js';

/** The consumer's part of customer_service's config, passed whole. */
export type ConsumerSettings = Pick<CustomerServiceConfig, 'databaseUrl' | 'broker' | 'consumer'>;

/** stop() stops taking deliveries, applies and acks what was received, then closes channel, connection and pool. */
export type RunningConsumer = RunningWorker;

/** Wires the consumer: database, broker connection with topology, and the batching consumer. */
export async function startOrderCreatedConsumer(settings: ConsumerSettings, deps: ProcessObservability): Promise<RunningConsumer> {
  const { consumer: options, broker: brokerSettings } = settings;
  const { logger, metrics } = deps;
  const database = openCustomerDatabase(settings.databaseUrl, options.maxBatchesInFlight + 2, 'order_created_consumer', logger);
  await useDatabase(database.pool, { url: settings.databaseUrl, requiredTable: 'processed_order_events', metrics, database: 'customer_service' });

  let broker: BrokerConnection | undefined;
  const consumer = createOrderCreatedConsumer({
    db: database.db,
    topology: brokerSettings.topology,
    settings: options,
    metrics: createInboxMetrics(metrics),
    tracing: deps.tracing,
    logger,
    currentNode: () => broker?.currentNode(),
  });
  try {
    broker = await connectToBroker({
      urls: brokerSettings.urls,
      connectionName: 'order_created_consumer',
      logger,
      metrics,
      setup: (model) => consumer.attach(model),
    });
  } catch (error) {
    await database.db.destroy();
    throw error;
  }
  const connected = broker;
  const retention = scheduleInboxRetention(database, options, deps);
  logger.info({ queue: brokerSettings.topology.queue, prefetch: options.prefetch }, 'order.created consumer started');

  return {
    // Ready only while it can do its job: consuming on a node that answers, and the database reachable.
    isReady: async () => connected.isConnected() && consumer.isReady() && (await isDatabaseReachable(database.pool)),
    async stop() {
      await consumer.stop();
      await retention.stop();
      await connected.close();
      await database.db.destroy();
    },
  };
}
