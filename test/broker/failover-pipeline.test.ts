import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagingTopology } from '../../packages/contracts/src/index.js';
import { createMetricsRegistry, type Registry } from '../../packages/service-kit/src/index.js';
import { startOrderCreatedConsumer, type RunningConsumer } from '../../services/customer-service/src/inbox/start-order-created-consumer.js';
import { startOutboxWorker, type RunningOutboxWorker } from '../../services/order-service/src/outbox/start-outbox-worker.js';
import { eventually } from '@orders/test-support';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import { countState, insertCustomer, insertOrdersWithEvents, outboxState } from '../support/outbox-rows.js';
import { isolatedTopology, queueDepth, removeTopology, testConsumerSettings, testOutboxSettings } from '../support/pipeline.js';
import { noTracing, testLogger, unique } from '../support/running-services.js';
import { startTcpFaultProxy, type TcpFaultProxy } from '../support/tcp-fault-proxy.js';
import { TEST_RABBITMQ_URL } from '../support/test-environment.js';
import { openTestPool } from '../support/test-pool.js';

// The worker and the consumer are given two "nodes": two proxies in front of
// the one test broker. Cutting the first is, for them, losing the node they
// are connected to while the queue lives on (as a quorum queue does on the
// other nodes of a cluster). The real 3-node run is test/cluster.
const rabbitPort = Number(new URL(TEST_RABBITMQ_URL).port || 5672);
let databases: IsolatedDatabases;
let orderDb: pg.Pool;
let customerDb: pg.Pool;
let topology: MessagingTopology;
let nodeA: TcpFaultProxy;
let nodeB: TcpFaultProxy;

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  orderDb = openTestPool(databases.orderDatabaseUrl);
  customerDb = openTestPool(databases.customerDatabaseUrl);
  topology = isolatedTopology();
  nodeA = await startTcpFaultProxy('127.0.0.1', rabbitPort);
  nodeB = await startTcpFaultProxy('127.0.0.1', rabbitPort);
});

afterAll(async () => {
  await nodeA.close();
  await nodeB.close();
  await orderDb.end();
  await customerDb.end();
  await removeTopology(topology);
  await databases.drop();
});

async function sample(registry: Registry, name: string): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((entry) => entry.name === name);
  return (metric?.values[0] as { value: number } | undefined)?.value;
}

describe('losing the broker node every process is connected to', () => {
  it('moves worker and consumer to the next node, and every order is counted exactly once', async () => {
    const urls = [nodeA.url(TEST_RABBITMQ_URL), nodeB.url(TEST_RABBITMQ_URL)];
    const consumerMetrics = createMetricsRegistry('failover_consumer');
    const workerMetrics = createMetricsRegistry('failover_worker');
    let consumer: RunningConsumer | undefined;
    let worker: RunningOutboxWorker | undefined;
    try {
      consumer = await startOrderCreatedConsumer(
        { databaseUrl: databases.customerDatabaseUrl, broker: { urls, topology }, consumer: testConsumerSettings() },
        { logger: testLogger, metrics: consumerMetrics, tracing: noTracing },
      );
      worker = await startOutboxWorker(
        {
          databaseUrl: databases.orderDatabaseUrl,
          broker: { urls, topology },
          // Small batches, so the cut falls in the middle of the stream.
          outbox: testOutboxSettings({ batchSize: 20, confirmTimeoutMs: 1_000 }),
        },
        { logger: testLogger, metrics: workerMetrics, tracing: noTracing },
      );
      const customerId = await insertCustomer(customerDb, unique('Failover'));
      const label = unique('Failover');

      await insertOrdersWithEvents(orderDb, customerId, 300, label);
      await eventually(() => outboxState(orderDb, label), (state) => state.published > 0, { what: 'publishing under way' });
      nodeA.cut();
      await insertOrdersWithEvents(orderDb, customerId, 300, label);

      const running = { consumer, worker };
      await eventually(async () => (await running.worker.isReady()) && (await running.consumer.isReady()), (ready) => ready, {
        what: 'both ready again on node B',
      });
      await eventually(() => countState(customerDb, customerId), (state) => state.ordersCount === 600, {
        timeoutMs: 30_000,
        what: 'all 600 orders counted',
      });
      expect(await countState(customerDb, customerId)).toEqual({ ordersCount: 600, applied: 600 });
      // A row is marked published after its confirm, which can come after the consumer has already applied it.
      const outbox = await eventually(() => outboxState(orderDb, label), (state) => state.published === 600, {
        what: 'every outbox row marked published',
      });
      expect(outbox).toMatchObject({ total: 600, published: 600, dead: 0 });
      expect(await sample(workerMetrics, 'rabbitmq_connection_failovers_total')).toBe(1);
      expect(await sample(consumerMetrics, 'rabbitmq_connection_failovers_total')).toBe(1);
      expect(await queueDepth(topology.deadLetterQueue)).toBe(0);
    } finally {
      await worker?.stop();
      await consumer?.stop();
    }
  });
});
