import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messagingTopology, type MessagingTopology } from '../../packages/contracts/src/index.js';
import {
  connectOperationsBroker,
  peekDeadLetters,
  replayDeadLetters,
  type OperationsBroker,
} from '../../packages/operations/src/index.js';
import { queueDepth, removeTopology } from '../support/pipeline.js';
import { testLogger } from '../support/running-services.js';
import { TEST_RABBITMQ_URL } from '../support/test-environment.js';
import { orderCreatedEvent, plantDeadLetters } from './console-harness.js';

// A dead-letter queue with a delivery limit of 2, as a policy (or RabbitMQ 4's default of 20) can give it:
// a peek that requeued would lose every letter on the third look.
let topology: MessagingTopology;
let broker: OperationsBroker;

beforeAll(async () => {
  topology = messagingTopology(`test.${process.pid}.${randomBytes(4).toString('hex')}.`);
  const connection = await amqp.connect(TEST_RABBITMQ_URL);
  const channel = await connection.createChannel();
  await channel.assertExchange(topology.exchange, 'topic', { durable: true });
  await channel.assertExchange(topology.deadLetterExchange, 'fanout', { durable: true });
  await channel.assertQueue(topology.deadLetterQueue, { durable: true, arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 2 } });
  await channel.assertQueue(topology.queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(topology.queue, topology.exchange, topology.routingKey);
  await connection.close();
  broker = await connectOperationsBroker({ urls: [TEST_RABBITMQ_URL], topology, connectionName: 'peek-test', logger: testLogger });
});

afterAll(async () => {
  await broker.close();
  await removeTopology(topology);
});

describe('looking at dead letters', () => {
  it('loses, reorders and dead-letters nothing in thirty peeks on a queue with a delivery limit of 2', async () => {
    const events = Array.from({ length: 5 }, (_, index) => orderCreatedEvent(index + 1));
    await plantDeadLetters(topology, events.map((body, index) => ({ body, reason: `reason ${index % 2}` })));
    for (let look = 1; look <= 30; look += 1) {
      const peek = await peekDeadLetters(broker, 100);
      expect(peek.total, `look ${look}`).toBe(5);
      expect(peek.letters.map((letter) => letter.eventId), `look ${look}`).toEqual(events.map((event) => event.event_id));
    }
    expect(await queueDepth(topology.deadLetterQueue)).toBe(5);
    // Nothing was replayed by looking either.
    expect(await queueDepth(topology.queue)).toBe(0);
  });

  it('shows the first letters of a deep queue and keeps every one', async () => {
    const before = await queueDepth(topology.deadLetterQueue);
    await plantDeadLetters(topology, Array.from({ length: 300 }, (_, index) => ({ body: orderCreatedEvent(index + 1), reason: 'bulk' })));
    for (let look = 1; look <= 3; look += 1) {
      const peek = await peekDeadLetters(broker, 20);
      expect(peek.letters).toHaveLength(20);
      expect(peek.total, `look ${look}`).toBe(before + 300);
      // Copies put back and originals acknowledged: no letter twice, none missing.
      expect(await queueDepth(topology.deadLetterQueue), `look ${look}`).toBe(before + 300);
    }
  });

  it('replays only what was there when it began, so a letter that fails again is not replayed in a loop', async () => {
    const depth = await queueDepth(topology.deadLetterQueue);
    const result = await replayDeadLetters(broker, { reason: 'bulk' }, 10);
    expect(result).toEqual({ ok: true, count: 10 });
    expect(await queueDepth(topology.deadLetterQueue)).toBe(depth - 10);
    expect(await queueDepth(topology.queue)).toBe(10);
  });
});
