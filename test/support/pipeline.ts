import { randomBytes } from 'node:crypto';
import amqp, { type GetMessage, type Options } from 'amqplib';
import { messagingTopology, type MessagingTopology } from '../../packages/contracts/src/index.js';
import { createMetricsRegistry, type Tracing } from '../../packages/service-kit/src/index.js';
import type { CustomerServiceConfig } from '../../services/customer-service/src/config.js';
import { startOrderCreatedConsumer, type RunningConsumer } from '../../services/customer-service/src/inbox/start-order-created-consumer.js';
import type { OrderServiceConfig } from '../../services/order-service/src/config.js';
import { startOutboxWorker, type RunningOutboxWorker } from '../../services/order-service/src/outbox/start-outbox-worker.js';
import { deleteTopology, eventually } from '@orders/test-support';
import { noTracing, testLogger } from './running-services.js';
import { TEST_RABBITMQ_URL } from './test-environment.js';

/** The contract's exchange and queues under a prefix of this test's own: never the development pipeline. */
export function isolatedTopology(): MessagingTopology {
  return messagingTopology(`test.${process.pid}.${randomBytes(4).toString('hex')}.`);
}

/** Deletes what a test declared on the broker. */
export async function removeTopology(topology: MessagingTopology): Promise<void> {
  await deleteTopology(TEST_RABBITMQ_URL, topology);
}

/** Worker settings that make retries and polls fast enough for a test. */
export function testOutboxSettings(overrides: Partial<OrderServiceConfig['outbox']> = {}): OrderServiceConfig['outbox'] {
  return {
    metricsPort: 0,
    batchSize: 100,
    concurrency: 2,
    maxAttempts: 3,
    backoffBaseMs: 50,
    backoffMaxMs: 400,
    confirmTimeoutMs: 5_000,
    wakeup: 'notify',
    pollIntervalMs: 200,
    coalesceMaxMs: 50,
    coalesceTargetRows: 100,
    retentionDays: 7,
    idempotencyKeyRetentionHours: 24,
    retentionIntervalMs: 600_000,
    ...overrides,
  };
}

export function testConsumerSettings(overrides: Partial<CustomerServiceConfig['consumer']> = {}): CustomerServiceConfig['consumer'] {
  return {
    metricsPort: 0,
    prefetch: 100,
    maxBatchSize: 50,
    maxBatchesInFlight: 2,
    maxAttempts: 3,
    retryBaseMs: 50,
    retryMaxMs: 400,
    retentionDays: 7,
    retentionIntervalMs: 600_000,
    ...overrides,
  };
}

/** The real outbox worker, in-process, on a test database and topology. */
export function startTestWorker(options: {
  databaseUrl: string;
  topology: MessagingTopology;
  rabbitUrl?: string;
  outbox?: Partial<OrderServiceConfig['outbox']>;
  tracing?: Tracing;
}): Promise<RunningOutboxWorker> {
  return startOutboxWorker(
    {
      databaseUrl: options.databaseUrl,
      broker: { urls: [options.rabbitUrl ?? TEST_RABBITMQ_URL], topology: options.topology },
      outbox: testOutboxSettings(options.outbox),
    },
    { logger: testLogger, metrics: createMetricsRegistry('order_outbox_worker_test'), tracing: options.tracing ?? noTracing },
  );
}

/** The real order.created consumer, in-process, on a test database and topology. */
export function startTestConsumer(options: {
  databaseUrl: string;
  topology: MessagingTopology;
  rabbitUrl?: string;
  consumer?: Partial<CustomerServiceConfig['consumer']>;
  tracing?: Tracing;
}): Promise<RunningConsumer> {
  return startOrderCreatedConsumer(
    {
      databaseUrl: options.databaseUrl,
      broker: { urls: [options.rabbitUrl ?? TEST_RABBITMQ_URL], topology: options.topology },
      consumer: testConsumerSettings(options.consumer),
    },
    { logger: testLogger, metrics: createMetricsRegistry('order_created_consumer_test'), tracing: options.tracing ?? noTracing },
  );
}

/** Publishes any bytes to the topology's exchange, as another producer (or an attacker) could. */
export async function publishRaw(
  topology: MessagingTopology,
  messages: Array<{ body: Buffer | string; options?: Options.Publish }>,
): Promise<void> {
  const connection = await amqp.connect(TEST_RABBITMQ_URL);
  try {
    const channel = await connection.createConfirmChannel();
    for (const message of messages) {
      const body = typeof message.body === 'string' ? Buffer.from(message.body) : message.body;
      channel.publish(topology.exchange, topology.routingKey, body, { persistent: true, ...message.options });
    }
    await channel.waitForConfirms();
    await channel.close();
  } finally {
    await connection.close();
  }
}

/** Takes `count` messages off the dead-letter queue (acking them), waiting for them with a deadline. */
export async function takeDeadLetters(topology: MessagingTopology, count: number, timeoutMs = 10_000): Promise<GetMessage[]> {
  const connection = await amqp.connect(TEST_RABBITMQ_URL);
  const taken: GetMessage[] = [];
  try {
    const channel = await connection.createChannel();
    await eventually(
      async () => {
        for (;;) {
          const message = await channel.get(topology.deadLetterQueue, { noAck: true });
          if (message === false) break;
          taken.push(message);
        }
        return taken.length;
      },
      (n) => n >= count,
      { timeoutMs, what: `${count} dead letters on ${topology.deadLetterQueue}` },
    );
    await channel.close();
  } finally {
    await connection.close();
  }
  return taken;
}

/** How many messages wait in a queue right now. */
export async function queueDepth(queue: string): Promise<number> {
  const connection = await amqp.connect(TEST_RABBITMQ_URL);
  try {
    const channel = await connection.createChannel();
    const { messageCount } = await channel.checkQueue(queue);
    await channel.close();
    return messageCount;
  } finally {
    await connection.close();
  }
}
