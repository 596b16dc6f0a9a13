import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connectToBroker,
  createBatchingConsumer,
  createConfirmedPublisher,
  TopologyMismatchError,
  type BrokerConnection,
  type ChannelModel,
  type Delivery,
  type OutgoingMessage,
} from '../../packages/service-kit/src/broker/index.js';
import { createMetricsRegistry, DependencyUnavailableError, type Registry } from '../../packages/service-kit/src/index.js';
import { eventually } from '@orders/test-support';
import { testLogger } from '../support/running-services.js';
import { startTcpFaultProxy, type TcpFaultProxy } from '../support/tcp-fault-proxy.js';
import { TEST_RABBITMQ_URL } from '../support/test-environment.js';

// Two proxies in front of the one test node stand for two nodes of a
// cluster: cutting one is, for the client, exactly a lost node.
const prefix = `test.broker.${process.pid}.${randomBytes(4).toString('hex')}.`;
const exchange = `${prefix}events`;
const queue = `${prefix}events.q`;
const ackQueue = `${prefix}acks.q`;
const rabbitPort = Number(new URL(TEST_RABBITMQ_URL).port || 5672);
const open: BrokerConnection[] = [];
let nodeA: TcpFaultProxy;
let nodeB: TcpFaultProxy;

async function declare(): Promise<void> {
  const connection = await amqp.connect(TEST_RABBITMQ_URL);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(queue, exchange, 'bound');
  await channel.assertQueue(ackQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(ackQueue, exchange, 'acks');
  await connection.close();
}

async function connect(urls: string[], setup?: Parameters<typeof connectToBroker>[0]['setup'], metrics?: Registry) {
  const connection = await connectToBroker({ urls, connectionName: 'broker_layer_test', logger: testLogger, metrics, setup });
  open.push(connection);
  return connection;
}

const message = (routingKey: string, id = randomBytes(8).toString('hex')): OutgoingMessage => ({
  exchange,
  routingKey,
  content: Buffer.from(JSON.stringify({ id })),
  properties: { messageId: id, persistent: true, contentType: 'application/json' },
});

async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((entry) => entry.name === name);
  const values = (metric?.values ?? []) as Array<{ value: number; labels: Record<string, string | number> }>;
  return values.find((value) => Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted))?.value;
}

beforeAll(async () => {
  await declare();
  nodeA = await startTcpFaultProxy('127.0.0.1', rabbitPort);
  nodeB = await startTcpFaultProxy('127.0.0.1', rabbitPort);
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((connection) => connection.close()));
  nodeA.restore();
  nodeB.restore();
});

afterAll(async () => {
  await nodeA.close();
  await nodeB.close();
  const connection = await amqp.connect(TEST_RABBITMQ_URL);
  const channel = await connection.createChannel();
  for (const name of [queue, ackQueue, `${prefix}classic`]) await channel.deleteQueue(name);
  await channel.deleteExchange(exchange);
  await connection.close();
});

describe('connecting to a list of nodes', () => {
  it('connects to the first node that answers and says which one it is', async () => {
    const metrics = createMetricsRegistry('broker_layer_test');
    const connection = await connect(['amqp://guest:guest@127.0.0.1:1', nodeA.url(TEST_RABBITMQ_URL)], undefined, metrics);
    expect(connection.isConnected()).toBe(true);
    expect(connection.currentNode()).toBe(`127.0.0.1:${nodeA.port}`);
    expect(await metricValue(metrics, 'rabbitmq_connected')).toBe(1);
    expect(await metricValue(metrics, 'rabbitmq_connection_blocked')).toBe(0);
    expect(await metricValue(metrics, 'rabbitmq_connected_node', { node: `127.0.0.1:${nodeA.port}` })).toBe(1);
    expect(await metricValue(metrics, 'rabbitmq_connected_node', { node: '127.0.0.1:1' })).toBe(0);
  });

  it('reports rabbitmq_connection_blocked 1 while the broker blocks publishing, and 0 again after', async () => {
    const metrics = createMetricsRegistry('broker_layer_test');
    let model: ChannelModel | undefined;
    const connection = await connect(
      [TEST_RABBITMQ_URL],
      async (opened) => {
        model = opened;
      },
      metrics,
    );
    // What amqplib emits when the broker sends connection.blocked / connection.unblocked (a memory or disk alarm).
    model?.emit('blocked', 'low on memory');
    expect(connection.isBlocked()).toBe(true);
    expect(await metricValue(metrics, 'rabbitmq_connection_blocked')).toBe(1);
    model?.emit('unblocked');
    expect(connection.isBlocked()).toBe(false);
    expect(await metricValue(metrics, 'rabbitmq_connection_blocked')).toBe(0);
  });

  it('fails at start with one line naming every node when none answers', async () => {
    const attempt = connectToBroker({
      urls: ['amqp://guest:guest@127.0.0.1:1', 'amqp://guest:guest@127.0.0.1:2'],
      connectionName: 'broker_layer_test',
      logger: testLogger,
      failover: { initialDelayMs: 10, maxDelayMs: 20 },
    });
    await expect(attempt).rejects.toThrow(DependencyUnavailableError);
    await expect(attempt).rejects.toThrow(/127\.0\.0\.1:1, 127\.0\.0\.1:2 \(connection refused\)/);
  });

  it('moves to the next node when its node is lost, counts the failover, and publishes there', async () => {
    const metrics = createMetricsRegistry('broker_layer_test');
    const publisher = createConfirmedPublisher({ logger: testLogger, confirmTimeoutMs: 2_000 });
    const connection = await connect([nodeA.url(TEST_RABBITMQ_URL), nodeB.url(TEST_RABBITMQ_URL)], (model) => publisher.attach(model), metrics);
    expect(connection.currentNode()).toBe(`127.0.0.1:${nodeA.port}`);

    nodeA.cut();
    await eventually(async () => connection.currentNode(), (node) => node === `127.0.0.1:${nodeB.port}`, { what: 'the connection on node B' });
    expect(await metricValue(metrics, 'rabbitmq_connection_failovers_total')).toBe(1);
    expect(await metricValue(metrics, 'rabbitmq_connected_node', { node: `127.0.0.1:${nodeA.port}` })).toBe(0);
    await publisher.waitUntilReady(2_000);
    expect(await publisher.publish([message('bound')])).toEqual([{ status: 'confirmed' }]);
  });

  it('with a single URL, waits for that node to come back', async () => {
    const publisher = createConfirmedPublisher({ logger: testLogger, confirmTimeoutMs: 2_000 });
    const connection = await connect([nodeA.url(TEST_RABBITMQ_URL)], (model) => publisher.attach(model));
    nodeA.cut();
    await eventually(async () => connection.isConnected(), (connected) => !connected, { what: 'the connection lost' });
    nodeA.restore();
    await eventually(async () => connection.currentNode(), (node) => node === `127.0.0.1:${nodeA.port}`, { what: 'the connection back' });
    await publisher.waitUntilReady(2_000);
    expect(await publisher.publish([message('bound')])).toEqual([{ status: 'confirmed' }]);
  });

  it('fails at start with one line naming the queue when it exists with other arguments', async () => {
    const classic = `${prefix}classic`;
    const seeded = await amqp.connect(TEST_RABBITMQ_URL);
    await (await seeded.createChannel()).assertQueue(classic, { durable: true });
    await seeded.close();
    const attempt = connect([TEST_RABBITMQ_URL], async (model) => {
      const channel = await model.createChannel();
      await channel.assertQueue(classic, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      await channel.close();
    });
    await expect(attempt).rejects.toThrow(TopologyMismatchError);
    await expect(attempt).rejects.toThrow(new RegExp(`^queue ${classic.replace(/\./g, '\\.')} already exists with a different x-queue-type`));
  });
});

describe('the confirmed publish', () => {
  it('is confirmed when routed, rejected when unroutable, one outcome per message in order', async () => {
    const publisher = createConfirmedPublisher({ logger: testLogger, confirmTimeoutMs: 2_000 });
    await connect([TEST_RABBITMQ_URL], (model) => publisher.attach(model));
    const outcomes = await publisher.publish([message('bound'), message('nowhere'), message('bound')]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['confirmed', 'rejected', 'confirmed']);
  });

  it('is unconfirmed when no confirm comes in time (a silent node)', async () => {
    const publisher = createConfirmedPublisher({ logger: testLogger, confirmTimeoutMs: 300 });
    await connect([nodeA.url(TEST_RABBITMQ_URL)], (model) => publisher.attach(model));
    nodeA.blackhole();
    const outcomes = await publisher.publish([message('bound'), message('bound')]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['unconfirmed', 'unconfirmed']);
  });

  it('reopens its channel after a channel-level error while the connection lives on', async () => {
    const publisher = createConfirmedPublisher({ logger: testLogger, confirmTimeoutMs: 2_000 });
    await connect([TEST_RABBITMQ_URL], (model) => publisher.attach(model));
    const broken = await publisher.publish([{ ...message('bound'), exchange: `${prefix}missing` }]);
    expect(broken[0]?.status).toBe('unconfirmed');
    await eventually(async () => publisher.isReady(), (ready) => ready, { what: 'the channel reopened' });
    expect(await publisher.publish([message('bound')])).toEqual([{ status: 'confirmed' }]);
  });
});

describe('the batching consumer', () => {
  it('delivers what arrives together in batches and drains them on stop', async () => {
    const batches: number[] = [];
    const seen = new Set<string>();
    const consumer = createBatchingConsumer({
      queue,
      prefetch: 100,
      maxBatchSize: 25,
      maxBatchesInFlight: 2,
      logger: testLogger,
      async handleBatch(batch: Delivery[]) {
        batches.push(batch.length);
        for (const delivery of batch) {
          seen.add(String(delivery.message.properties.messageId));
          delivery.ack();
        }
      },
    });
    const publisher = createConfirmedPublisher({ logger: testLogger, confirmTimeoutMs: 5_000 });
    await connect([TEST_RABBITMQ_URL], async (model) => {
      await publisher.attach(model);
      await consumer.attach(model);
    });
    const sent = Array.from({ length: 100 }, () => message('bound'));
    const outcomes = await publisher.publish(sent);
    expect(outcomes.every((outcome) => outcome.status === 'confirmed')).toBe(true);
    const handled = () => sent.filter((sentMessage) => seen.has(String(sentMessage.properties.messageId))).length;
    await eventually(async () => handled(), (count) => count === 100, { what: 'every message handled' });
    expect(Math.max(...batches)).toBeLessThanOrEqual(25);
    expect(batches.length).toBeLessThan(100);
    await consumer.stop(1_000);
  });

  it('acks out-of-order settlements without ever covering a delivery still in hand', async () => {
    const inHand: Delivery[] = [];
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const consumer = createBatchingConsumer({
      queue: ackQueue,
      prefetch: 6,
      // However the six arrive, every one is handed over while the others are held.
      maxBatchSize: 6,
      maxBatchesInFlight: 6,
      logger: testLogger,
      async handleBatch(batch: Delivery[]) {
        // Redeliveries (the requeued one) are left unsettled: the channel's close gives them back.
        inHand.push(...batch.filter((delivery) => !delivery.message.fields.redelivered));
        await released;
      },
    });
    const publisher = createConfirmedPublisher({ logger: testLogger, confirmTimeoutMs: 5_000 });
    await connect([TEST_RABBITMQ_URL], async (model) => {
      await publisher.attach(model);
      await consumer.attach(model);
    });
    const sent = Array.from({ length: 6 }, () => message('acks'));
    expect((await publisher.publish(sent)).every((outcome) => outcome.status === 'confirmed')).toBe(true);
    await eventually(async () => inHand.length, (count) => count === 6, { what: 'all six deliveries in hand' });
    const byId = (index: number) => inHand.find((delivery) => delivery.message.properties.messageId === sent[index]?.properties.messageId);
    // Settled in this order; the fourth is never settled, so nothing after it may be covered by an ack up to it.
    byId(5)?.ack();
    byId(4)?.ack();
    byId(1)?.requeue();
    byId(0)?.ack();
    byId(2)?.ack();
    release();
    await consumer.stop(1_000);

    const left = await (async () => {
      const connection = await amqp.connect(TEST_RABBITMQ_URL);
      try {
        const channel = await connection.createChannel();
        await eventually(async () => (await channel.checkQueue(ackQueue)).messageCount, (count) => count >= 2, { what: 'the unsettled messages back on the queue' });
        const ids: string[] = [];
        for (let got = await channel.get(ackQueue, { noAck: true }); got !== false; got = await channel.get(ackQueue, { noAck: true })) {
          ids.push(String(got.properties.messageId));
        }
        return ids.sort();
      } finally {
        await connection.close();
      }
    })();
    expect(left).toEqual([sent[1]?.properties.messageId, sent[3]?.properties.messageId].sort());
  });
});
