import { isDatabaseReachable, useDatabase, type ProcessObservability, type RunningWorker } from '@orders/service-kit';
import { connectToBroker } from '@orders/service-kit/broker';
import type { OrderServiceConfig } from '../config.js';
import { openOrderDatabase } from '../db/database.js';
import { createEventPublisher } from './event-publisher.js';
import { observeOutboxBacklog } from './outbox-backlog-metrics.js';
import { listenForOutboxWakeups } from './wakeup/wakeup-listener.js';
import { createOutboxMetrics } from './outbox-metrics.js';
import { createOutboxRelay } from './outbox-relay.js';
import { scheduleOutboxRetention } from './outbox-retention.js';
import { createWakeSignal } from './wakeup/wake-signal.js';

/** The worker's part of order_service's config, passed whole. */
export type OutboxWorkerSettings = Pick<OrderServiceConfig, 'databaseUrl' | 'broker' | 'outbox'>;

/** stop() finishes the batches in flight (publish, confirm, commit), then lets go of everything. */
export type RunningOutboxWorker = RunningWorker;

/** Wires the worker: database, broker connection, publisher, wake-up listener and relay loops. */
export async function startOutboxWorker(settings: OutboxWorkerSettings, deps: ProcessObservability): Promise<RunningOutboxWorker> {
  const { outbox, broker: brokerSettings } = settings;
  const { logger, metrics } = deps;
  // One connection per relay loop, one for metrics and retention.
  // The worker's commits need not wait for a WAL flush: if PostgreSQL loses
  // the last instant of them in a crash, those rows are simply published
  // again, and the consumer counts every event_id once. The order's own
  // insert, and the consumer's apply, stay fully durable.
  const database = openOrderDatabase(settings.databaseUrl, outbox.concurrency + 2, 'order_outbox_worker', logger, {
    synchronous_commit: 'off',
  });
  await useDatabase(database.pool, { url: settings.databaseUrl, requiredTable: 'outbox_events', metrics, database: 'order_service' });
  observeOutboxBacklog(metrics, database.db);

  const publisher = createEventPublisher({ topology: brokerSettings.topology, confirmTimeoutMs: outbox.confirmTimeoutMs, logger });
  let broker;
  try {
    broker = await connectToBroker({
      urls: brokerSettings.urls,
      connectionName: 'order_outbox_worker',
      logger,
      metrics,
      setup: (model) => publisher.attach(model),
    });
  } catch (error) {
    await database.db.destroy();
    throw error;
  }

  const connected = broker;
  const signal = createWakeSignal();
  const listener = outbox.wakeup === 'notify' ? listenForOutboxWakeups({ url: settings.databaseUrl, signal, logger }) : undefined;
  const relay = createOutboxRelay({
    db: database.db,
    publisher,
    topology: brokerSettings.topology,
    currentNode: () => connected.currentNode(),
    isBlocked: () => connected.isBlocked(),
    wakeup: signal,
    metrics: createOutboxMetrics(metrics),
    tracing: deps.tracing,
    logger,
    settings: outbox,
  });
  relay.start();
  const retention = scheduleOutboxRetention(database, outbox, deps);
  logger.info({ wakeup: outbox.wakeup, batchSize: outbox.batchSize, concurrency: outbox.concurrency }, 'outbox worker started');

  return {
    // Ready only while it can do its job: a channel open on a node that
    // answers, and the database reachable.
    isReady: async () => connected.isConnected() && publisher.isReady() && (await isDatabaseReachable(database.pool)),
    async stop() {
      await relay.stop();
      await retention.stop();
      await listener?.close();
      await publisher.close();
      await connected.close();
      await database.db.destroy();
    },
  };
}
