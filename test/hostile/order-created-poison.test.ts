import { randomUUID } from 'node:crypto';
import type { GetMessage, Options } from 'amqplib';
import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_REASON_HEADER, serializeOrderCreated, type MessagingTopology } from '../../packages/contracts/src/index.js';
import type { RunningConsumer } from '../../services/customer-service/src/inbox/start-order-created-consumer.js';
import { eventually } from '@orders/test-support';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import { isolatedTopology, publishRaw, queueDepth, removeTopology, startTestConsumer, takeDeadLetters } from '../support/pipeline.js';
import { unique } from '../support/running-services.js';
import { openTestPool } from '../support/test-pool.js';
import { hostileJsonText, hostileNumberText, hostileText, malformedJsonText, objectText } from './support/hostile-values.js';

// Poison messages on the order.created queue: every one must end in the
// dead-letter queue, once, with its reason in x-dead-letter-reason, and the
// consumer must go on applying valid events published right behind them.
//
// No poison can be a valid event for a customer that exists: every event-like
// poison names a customer id of at least 10^9, far above the ids this file's
// database hands out, or breaks a field rule.

const EVENT_KEYS = ['event_id', 'occurred_at', 'order_id', 'customer_id', 'product_name', 'quantity', 'price', 'status'] as const;
const NO_SUCH_CUSTOMER_FROM = 1_000_000_000;
const TAG_HEADER = 'x-hostile-tag';
const REASON = /^(?:invalid_json|invalid_event|unknown_customer|apply_failed|retries_exhausted)\b/;

let databases: IsolatedDatabases;
let topology: MessagingTopology;
let consumer: RunningConsumer;
let customerDb: pg.Pool;

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  topology = isolatedTopology();
  consumer = await startTestConsumer({ databaseUrl: databases.customerDatabaseUrl, topology });
  customerDb = openTestPool(databases.customerDatabaseUrl);
});

afterAll(async () => {
  await consumer.stop();
  await customerDb.end();
  await removeTopology(topology);
  await databases.drop();
});

// --- events as JSON text ---------------------------------------------------------

const uuidText = fc.uuid({ version: 4 }).map((id) => JSON.stringify(id));
const isoInstant = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
  .map((date) => JSON.stringify(date.toISOString()));
const noSuchCustomerId = fc.oneof(
  fc.integer({ min: NO_SUCH_CUSTOMER_FROM, max: Number.MAX_SAFE_INTEGER }).map(String),
  fc.constantFrom('9223372036854775807', '9223372036854775808', '1e20', '1e300', '9007199254740993', '1000000000.0'),
);

/** A well-formed order.created for a customer that does not exist. */
const eventForNoSuchCustomer: fc.Arbitrary<Map<string, string>> = fc
  .record({
    event_id: uuidText,
    occurred_at: fc.oneof(
      isoInstant,
      fc.constantFrom('"2026-02-30T00:00:00Z"', '"2026-01-01T24:00:00Z"', '"0000-01-01T00:00:00Z"', '"9999-12-31T23:59:59.999999999+14:00"', '"2026-06-01T12:00:00-23:59"'),
    ),
    order_id: fc.oneof(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }).map(String), fc.constantFrom('9223372036854775808', '1e300')),
    customer_id: noSuchCustomerId,
    product_name: fc.string({ minLength: 1, maxLength: 255 }).map((name) => JSON.stringify(name)),
    quantity: fc.integer({ min: 1, max: 1_000_000 }).map(String),
    price: fc.integer({ min: 0, max: 9_999_999_999 }).map((cents) => String(cents / 100)),
    status: fc.constantFrom('pending', 'processing', 'completed', 'cancelled').map((status) => JSON.stringify(status)),
  })
  .map((record) => new Map(Object.entries(record)));

/** A value that can never be an existing customer's id (so a swap cannot make the event valid for one). */
function cannotNameExistingCustomer(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value !== 'number' || value < 1 || value >= NO_SUCH_CUSTOMER_FROM;
  } catch {
    return true;
  }
}

const hostileFieldValue = fc.oneof(
  hostileNumberText,
  hostileText.map((text) => JSON.stringify(text)),
  hostileJsonText(EVENT_KEYS),
  fc.constantFrom(
    '"not-a-uuid"',
    '"00000000-0000-0000-0000-00000000000g"',
    '"{6f1c2a8e-1d2b-4c3d-9e4f-5a6b7c8d9e0f}"',
    '"urn:uuid:6f1c2a8e-1d2b-4c3d-9e4f-5a6b7c8d9e0f"',
    '"6f1c2a8e1d2b4c3d9e4f5a6b7c8d9e0f"',
    '"2026-13-01T00:00:00Z"',
    '"yesterday"',
    '"2026-01-01"',
    '""',
    '"PENDING"',
    '"shipped"',
  ),
);

/** True when the text cannot be an event at all: not JSON, not an object, or some contract field missing. */
function lacksAnEventField(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value !== 'object' || value === null || Array.isArray(value) || EVENT_KEYS.some((key) => !(key in value));
  } catch {
    return true;
  }
}

interface Poison {
  family: string;
  body: Buffer;
  /** The reason's kind when the family fixes it. */
  reason?: string;
}

const poisonBody: fc.Arbitrary<Poison> = fc.oneof(
  fc
    .uint8Array({ maxLength: 400 })
    .map((bytes) => Buffer.from(bytes))
    .filter((bytes) => lacksAnEventField(bytes.toString('utf8')))
    .map((body): Poison => ({ family: 'random bytes', body })),
  fc
    .jsonValue()
    .map((value) => JSON.stringify(value))
    .filter(lacksAnEventField)
    .map((text): Poison => ({ family: 'random JSON', body: Buffer.from(text) })),
  malformedJsonText(EVENT_KEYS).map((text): Poison => ({ family: 'malformed JSON', body: Buffer.from(text), reason: 'invalid_json' })),
  hostileJsonText(EVENT_KEYS)
    .filter(lacksAnEventField)
    .map((text): Poison => ({ family: 'hostile JSON', body: Buffer.from(text) })),
  fc
    .tuple(
      eventForNoSuchCustomer,
      fc.array(fc.tuple(fc.constantFrom(...EVENT_KEYS), hostileFieldValue), { minLength: 1, maxLength: 3 }),
    )
    .map(([event, swaps]): Poison => {
      for (const [key, value] of swaps) event.set(key, key === 'customer_id' && !cannotNameExistingCustomer(value) ? '0' : value);
      return { family: 'event with wrong types', body: Buffer.from(objectText([...event])) };
    }),
  fc
    .tuple(eventForNoSuchCustomer, fc.subarray([...EVENT_KEYS], { minLength: 1 }))
    .map(([event, missing]): Poison => {
      for (const key of missing) event.delete(key);
      return { family: 'event with missing fields', body: Buffer.from(objectText([...event])), reason: 'invalid_event' };
    }),
  eventForNoSuchCustomer.map((event): Poison => ({ family: 'event for an unknown customer', body: Buffer.from(objectText([...event])) })),
  fc
    .tuple(eventForNoSuchCustomer, fc.constantFrom('[', '{"event":'))
    .map(([event, wrapper]): Poison => ({
      family: 'event wrapped',
      body: Buffer.from(`${wrapper}${objectText([...event])}${wrapper === '[' ? ']' : '}'}`),
      reason: 'invalid_event',
    })),
);

// --- AMQP properties and headers ------------------------------------------------

const shortText = fc.string({ unit: 'binary', maxLength: 50 });
const headerFieldValue: fc.Arbitrary<unknown> = fc.oneof(
  shortText,
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  // amqplib sends a whole-valued double as a 64-bit integer, so stay inside that range.
  fc.double({ min: -1e15, max: 1e15, noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(shortText, { maxLength: 3 }),
  // amqplib reads an object with a '!' key as a typed value ({'!': type, value}), so no such key here.
  fc.dictionary(fc.string({ maxLength: 10 }).filter((key) => key !== '!'), shortText, { maxKeys: 3 }),
  fc.uint8Array({ maxLength: 20 }).map((bytes) => Buffer.from(bytes)),
);
const headerTable = fc.dictionary(
  fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 20 }), fc.constantFrom(DEAD_LETTER_REASON_HEADER, 'traceparent', 'x-death', 'x-delivery-count', 'x-original-exchange')),
  headerFieldValue,
  { maxKeys: 6 },
);

/** Publish options a producer may choose freely (not userId or expiration, which the broker itself acts on). */
const publishOptions: fc.Arbitrary<Options.Publish> = fc.record(
  {
    contentType: fc.oneof(shortText, fc.constantFrom('application/json', 'text/plain', 'application/octet-stream')),
    contentEncoding: fc.oneof(shortText, fc.constantFrom('utf-8', 'gzip', 'utf-16')),
    messageId: fc.oneof(shortText, fc.uuid()),
    type: fc.oneof(shortText, fc.constantFrom('order.created', 'order.deleted')),
    correlationId: shortText,
    appId: shortText,
    replyTo: shortText,
    timestamp: fc.integer({ min: 0, max: 2 ** 32 }),
    deliveryMode: fc.constantFrom(1, 2),
    priority: fc.integer({ min: 0, max: 255 }),
    headers: headerTable,
  },
  { requiredKeys: [] },
);

// --- helpers ---------------------------------------------------------------------

async function insertCustomer(): Promise<number> {
  const { rows } = await customerDb.query<{ id: string }>('insert into customers (name, address) values ($1, $2) returning id', [
    unique('Poisoned'),
    '1 Queue Street',
  ]);
  return Number(rows[0]?.id);
}

async function appliedState(customerId: number, eventId: string): Promise<{ orders_count: number; processed: number }> {
  const { rows } = await customerDb.query<{ orders_count: number; processed: number }>(
    `select orders_count, (select count(*)::int from processed_order_events where event_id = $2) as processed
     from customers where id = $1`,
    [customerId, eventId],
  );
  return rows[0] ?? { orders_count: -1, processed: -1 };
}

function headerText(message: GetMessage, name: string): string | undefined {
  const value: unknown = message.properties.headers?.[name];
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

describe('order.created consumer under poison messages', () => {
  it('dead-letters every poison once with its reason, and still applies a valid event published right behind them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(poisonBody, publishOptions), { minLength: 1, maxLength: 4 }),
        publishOptions,
        async (poisons, validOptions) => {
          const tagged = poisons.map(([poison, options]) => ({ poison, options, tag: unique('poison') }));
          const customerId = await insertCustomer();
          const eventId = randomUUID();
          const valid = serializeOrderCreated({
            event_id: eventId,
            occurred_at: new Date().toISOString(),
            order_id: 1,
            customer_id: customerId,
            product_name: unique('Antidote'),
            quantity: 1,
            price: 9.99,
            status: 'pending',
          });

          await publishRaw(topology, [
            ...tagged.map(({ poison, options, tag }) => ({
              body: poison.body,
              options: { ...options, headers: { ...(options.headers as Record<string, unknown> | undefined), [TAG_HEADER]: tag } },
            })),
            { body: valid, options: validOptions },
          ]);

          const applied = await eventually(
            () => appliedState(customerId, eventId),
            (state) => state.orders_count === 1 && state.processed === 1,
            { what: `event ${eventId} applied to customer ${customerId}` },
          );
          expect(applied).toEqual({ orders_count: 1, processed: 1 });

          const deadLetters = await takeDeadLetters(topology, tagged.length);
          const byTag = new Map(deadLetters.map((message) => [headerText(message, TAG_HEADER), message]));
          expect(deadLetters.map((message) => headerText(message, TAG_HEADER)).sort(), 'each poison dead-lettered exactly once').toEqual(
            tagged.map(({ tag }) => tag).sort(),
          );
          for (const { poison, tag } of tagged) {
            const message = byTag.get(tag);
            expect(message?.content.equals(poison.body), `${poison.family}: body kept`).toBe(true);
            const reason = message === undefined ? undefined : headerText(message, DEAD_LETTER_REASON_HEADER);
            expect(reason, `${poison.family}: reason header`).toMatch(REASON);
            if (poison.reason !== undefined) expect(reason?.split(':')[0], poison.family).toBe(poison.reason);
          }
        },
      ),
      { numRuns: 75 },
    );

    // Nothing left behind: no poison still circling, no late duplicate in the dead-letter queue.
    await eventually(
      async () => [await queueDepth(topology.queue), await queueDepth(topology.deadLetterQueue)],
      ([waiting, dead]) => waiting === 0 && dead === 0,
      { what: 'both queues empty' },
    );
  }, 90_000);
});
