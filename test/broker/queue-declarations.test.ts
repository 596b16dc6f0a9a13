import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagingTopology } from '../../packages/contracts/src/index.js';
import { declareOrderCreatedTopology, DELIVERY_LIMIT } from '../../services/customer-service/src/inbox/declare-topology.js';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import { isolatedTopology, removeTopology } from '../support/pipeline.js';
import { TEST_RABBITMQ_URL } from '../support/test-environment.js';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
let databases: IsolatedDatabases;
const topologies: MessagingTopology[] = [];

beforeAll(async () => {
  databases = await createIsolatedDatabases();
});

afterAll(async () => {
  for (const topology of topologies) await removeTopology(topology);
  await databases.drop();
});

async function onChannel<T>(work: (channel: amqp.Channel) => Promise<T>): Promise<T> {
  const connection = await amqp.connect(TEST_RABBITMQ_URL);
  try {
    return await work(await connection.createChannel());
  } finally {
    await connection.close();
  }
}

function startConsumerProcess(topology: MessagingTopology): Promise<{ code: number | null; stderr: string }> {
  const prefix = topology.exchange.slice(0, -'orders.v1'.length);
  const child = spawn(process.execPath, ['services/customer-service/dist/order-created-consumer.js'], {
    cwd: repositoryRoot,
    env: { ...process.env, LOG_LEVEL: 'warn', DATABASE_URL: databases.customerDatabaseUrl, RABBITMQ_URL: TEST_RABBITMQ_URL, RABBITMQ_TOPOLOGY_PREFIX: prefix, METRICS_PORT: '0' },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

describe('the consumer’s queue declarations', () => {
  it('declares both queues as quorum queues, dead-lettering at-least-once, and again without complaint', async () => {
    const topology = isolatedTopology();
    topologies.push(topology);
    await onChannel((channel) => declareOrderCreatedTopology(channel, topology));
    // Declaring what exists with the same arguments is a no-op: every restart, every copy of the consumer.
    await onChannel((channel) => declareOrderCreatedTopology(channel, topology));
    // A passive declare with the same arguments succeeds only if they match what the broker has.
    await onChannel(async (channel) => {
      await channel.assertQueue(topology.deadLetterQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      await channel.assertQueue(topology.queue, {
        durable: true,
        arguments: {
          'x-queue-type': 'quorum',
          'x-delivery-limit': DELIVERY_LIMIT,
          'x-dead-letter-exchange': topology.deadLetterExchange,
          'x-dead-letter-strategy': 'at-least-once',
          'x-overflow': 'reject-publish',
        },
      });
    });
  });

  it('stops the consumer with one line naming the queue when it exists as a classic queue', async () => {
    const topology = isolatedTopology();
    topologies.push(topology);
    await onChannel((channel) => channel.assertQueue(topology.queue, { durable: true }));
    const result = await startConsumerProcess(topology);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      new RegExp(`^order_created_consumer: queue ${topology.queue.replace(/\./g, '\\.')} already exists with a different x-[a-z-]+ \\(.*\\); it must be moved to the new arguments: see README`),
    );
  });
});
