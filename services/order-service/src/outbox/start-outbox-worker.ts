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
import { connectToBroker } from '@orders/service-kit/broker';
import type { OrderServiceConfig } from '../config.js';
import { openOrderDatabase } from '../db/database.js';
import { createEventPublisher } from './event-publisher.js';
import { observeOutboxBacklog } from './outbox-backlog-metrics.js';
import { listenForOutboxWakeups } from './wakeup/wakeup-listener.js';
import { createOutboxMetrics } from './outbox-metrics.js';
import { createOutboxRelay } from './outbox-relay.js';
import { createWakeSignal } from './wakeup/wake-signal.js';

/** The worker's part of order_service's config, passed whole. */
export type OutboxWorkerSettings = Pick<OrderServiceConfig, 'databaseUrl' | 'broker' | 'outbox'>;

export interface OutboxWorkerDeps {
  logger: Logger;
  metrics: Registry;
  tracing: Tracing;
}

export interface RunningOutboxWorker {
  isReady(): Promise<boolean>;
  /** Finish the batches in flight (publish, confirm, commit), then let go of everything. */
  stop(): Promise<void>;
}

/** Wires the worker: database, broker connection, publisher, wake-up listener and relay loops. */
export async function startOutboxWorker(settings: OutboxWorkerSettings, deps: OutboxWorkerDeps): Promise<RunningOutboxWorker> {
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
  await assertDatabaseReady(database.pool, settings.databaseUrl, 'outbox_events');
  observePostgresPool(database.pool, metrics, 'order_service');
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
  // Published rows are only history, and idempotency keys only matter while
  // clients retry; both are deleted in small batches so the tables stay small.
  const retention = scheduleRetention({
    db: database.db,
    rules: [
      olderThan('outbox_events', 'id', 'published_at', () => `${outbox.retentionDays} days`),
      olderThan('idempotency_keys', 'key', 'created_at', () => `${outbox.idempotencyKeyRetentionHours} hours`),
    ],
    intervalMs: outbox.retentionIntervalMs,
    batchSize: 5_000,
    logger,
    metrics,
  });
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
