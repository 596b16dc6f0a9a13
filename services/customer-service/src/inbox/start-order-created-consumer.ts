import {
  assertDatabaseReady,
  isDatabaseReachable,
  observePostgresPool,
  olderThan,
  scheduleRetention,
  type Logger,
  type Registry,
  type Tracing,
} from '@orders/service-kit';
import { connectToBroker, type BrokerConnection } from '@orders/service-kit/broker';
import type { CustomerServiceConfig } from '../config.js';
import { openCustomerDatabase } from '../db/database.js';
import { createInboxMetrics } from './inbox-metrics.js';
import { createOrderCreatedConsumer } from './order-created-consumer.js';

/** The consumer's part of customer_service's config, passed whole. */
export type ConsumerSettings = Pick<CustomerServiceConfig, 'databaseUrl' | 'broker' | 'consumer'>;

export interface ConsumerDeps {
  logger: Logger;
  metrics: Registry;
  tracing: Tracing;
}

export interface RunningConsumer {
  isReady(): Promise<boolean>;
  /** Stop taking deliveries, apply and ack what was received, close channel, connection and pool. */
  stop(): Promise<void>;
}

/** Wires the consumer: database, broker connection with topology, and the batching consumer. */
export async function startOrderCreatedConsumer(settings: ConsumerSettings, deps: ConsumerDeps): Promise<RunningConsumer> {
  const { consumer: options, broker: brokerSettings } = settings;
  const { logger, metrics } = deps;
  const database = openCustomerDatabase(settings.databaseUrl, options.maxBatchesInFlight + 2, 'order_created_consumer', logger);
  await assertDatabaseReady(database.pool, settings.databaseUrl, 'processed_order_events');
  observePostgresPool(database.pool, metrics, 'customer_service');

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
  // The inbox only has to remember an event_id as long as that event could be
  // delivered again (redelivery, a replay from the dead-letter queue): keep
  // INBOX_RETENTION_DAYS well above the longest replay window.
  const retention = scheduleRetention({
    db: database.db,
    rules: [olderThan('processed_order_events', 'event_id', 'processed_at', () => `${options.retentionDays} days`)],
    intervalMs: options.retentionIntervalMs,
    batchSize: 5_000,
    logger,
    metrics,
  });
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
