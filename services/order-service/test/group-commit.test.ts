import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCustomer,
  createIsolatedDatabases,
  type IsolatedDatabases,
  type JsonResponse,
  openTestPool,
  request,
  type RunningCustomerService,
  type RunningOrderService,
  startCustomerService,
  startOrderService,
  unique,
} from '@orders/test-harness';
import { eventually } from '@orders/test-support';
import { DEFAULT_INTAKE_LIMITS } from '../src/config.js';

// Orders that arrive while a write is in flight are stored together by the
// next statement. To make a batch on purpose, a "HoldA-" order holds the
// writer: its insert waits for an advisory lock the test holds, while the
// requests under test queue up behind it (the test watches the queue in
// /metrics); when the test lets go, they go as one statement. "HoldB-" waits
// for a second lock, to keep a batch in flight for as long as a test needs.

const LOCK_A = 4201;
const LOCK_B = 4202;

let databases: IsolatedDatabases;
let customerService: RunningCustomerService;
let orderService: RunningOrderService;
/** The same service with room for one order at a time: the next is refused. */
let fullService: RunningOrderService;
let orderDb: pg.Pool;
let customerId: number;

beforeAll(async () => {
  databases = await createIsolatedDatabases();
  customerService = await startCustomerService({ databaseUrl: databases.customerDatabaseUrl });
  // One statement at a time, so one held statement holds the writer.
  orderService = await startOrderService({
    databaseUrl: databases.orderDatabaseUrl,
    customerServiceUrl: customerService.url,
    intake: { ...DEFAULT_INTAKE_LIMITS, writeStatementsInFlight: 1 },
  });
  fullService = await startOrderService({
    databaseUrl: databases.orderDatabaseUrl,
    customerServiceUrl: customerService.url,
    intake: { ...DEFAULT_INTAKE_LIMITS, maxOrdersInFlight: 1, writeStatementsInFlight: 1 },
  });
  orderDb = openTestPool(databases.orderDatabaseUrl);
  await orderDb.query(`
    create function hold_orders() returns trigger language plpgsql as $$
    begin
      if new.product_name like 'HoldA-%' then perform pg_advisory_xact_lock(${LOCK_A}); end if;
      if new.product_name like 'HoldB-%' then perform pg_advisory_xact_lock(${LOCK_B}); end if;
      return new;
    end $$;
    create trigger hold_orders before insert on orders for each row execute function hold_orders();
  `);
  customerId = (await createCustomer(customerService.url)).id;
});

afterAll(async () => {
  await orderService.close();
  await fullService.close();
  await customerService.close();
  await orderDb.end();
  await databases.drop();
});

interface OrderJson {
  id: number;
}

const postOrder = (productName: string, headers: Record<string, string> = {}, service = orderService) =>
  request<OrderJson>(`${service.url}/api/v1/orders`, {
    body: { customer_id: customerId, product_name: productName, quantity: 1, price: 3.5 },
    headers,
  });

/** The test's hold on the writer: its locks, on a connection of its own. */
interface Hold {
  /** The HoldA- order's answer, once released. */
  first: Promise<JsonResponse<OrderJson>>;
  /** Resolves once `count` orders wait behind the held statement. */
  queued(count: number): Promise<void>;
  release(lock: number): Promise<void>;
  end(): Promise<void>;
}

async function holdTheWriter(service = orderService): Promise<Hold> {
  const locker = await orderDb.connect();
  await locker.query('select pg_advisory_lock($1), pg_advisory_lock($2)', [LOCK_A, LOCK_B]);
  const first = postOrder(unique('HoldA'), {}, service);
  await waitingForLock(LOCK_A);
  return {
    first,
    queued: async (count) => {
      await eventually(() => metric('order_writes_queued'), (queued) => queued === count, { what: `${count} orders queued behind the held write` });
    },
    release: async (lock) => {
      await locker.query('select pg_advisory_unlock($1)', [lock]);
    },
    end: async () => {
      await locker.query('select pg_advisory_unlock_all()');
      locker.release();
    },
  };
}

/** Resolves once a statement waits for this advisory lock; answers its backend's pid. */
async function waitingForLock(lock: number): Promise<number> {
  const row = await eventually(
    async () =>
      (await orderDb.query<{ pid: number }>(`select pid from pg_locks where locktype = 'advisory' and objid = $1 and not granted`, [lock])).rows[0],
    (found) => found !== undefined,
    { what: `a write waiting for advisory lock ${lock}` },
  );
  return row?.pid ?? 0;
}

/** The transaction of each stored order: orders of one batch share one. */
async function transactionsOf(productNames: string[]): Promise<Set<string>> {
  const { rows } = await orderDb.query<{ xmin: string }>('select xmin::text from orders where product_name = any($1)', [productNames]);
  return new Set(rows.map((row) => row.xmin));
}

async function countStored(productNames: string[]): Promise<{ orders: number; events: number }> {
  const { rows } = await orderDb.query<{ orders: number; events: number }>(
    `select (select count(*)::int from orders where product_name = any($1)) as orders,
            (select count(*)::int from outbox_events where payload->>'product_name' = any($1)) as events`,
    [productNames],
  );
  return rows[0] ?? { orders: -1, events: -1 };
}

async function metric(name: string, service = orderService): Promise<number> {
  const text = (await request(`${service.url}/metrics`)).text;
  // Lines look like `name{process="…"} 3`: every metric carries the process label.
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`) || candidate.startsWith(`${name} `));
  return Number(line?.split(' ').at(-1) ?? 0);
}

describe('group commit of order writes', () => {
  it('stores the orders that queued during a write together, in one transaction', async () => {
    const hold = await holdTheWriter();
    const names = Array.from({ length: 6 }, () => unique('Together'));
    try {
      const responses = Promise.all(names.map((name) => postOrder(name)));
      await hold.queued(names.length);
      await hold.release(LOCK_A);

      expect((await hold.first).status).toBe(201);
      expect((await responses).map((response) => response.status)).toEqual([201, 201, 201, 201, 201, 201]);
    } finally {
      await hold.end();
    }
    expect(await countStored(names)).toEqual({ orders: 6, events: 6 });
    expect((await transactionsOf(names)).size).toBe(1);
  });

  it('creates exactly one order per Idempotency-Key when the colliding requests share a batch, and stores the rest of the batch', async () => {
    const hold = await holdTheWriter();
    const key = unique('batch-key');
    const keyedName = unique('Keyed');
    const others = Array.from({ length: 3 }, () => unique('Bystander'));
    let keyed: JsonResponse<OrderJson>[];
    let bystanders: JsonResponse<OrderJson>[];
    try {
      const answers = Promise.all([
        Promise.all(Array.from({ length: 8 }, () => postOrder(keyedName, { 'idempotency-key': key }))),
        Promise.all(others.map((name) => postOrder(name))),
      ]);
      await hold.queued(11);
      await hold.release(LOCK_A);
      [keyed, bystanders] = await answers;
    } finally {
      await hold.end();
    }

    expect(keyed.map((response) => response.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(keyed.map((response) => response.body.id)).size).toBe(1);
    expect(keyed.filter((response) => response.status === 200).every((response) => response.headers.get('idempotent-replayed') === 'true')).toBe(true);
    expect(bystanders.map((response) => response.status)).toEqual([201, 201, 201]);
    expect(await countStored([keyedName, ...others])).toEqual({ orders: 4, events: 4 });
    expect((await transactionsOf([keyedName, ...others])).size).toBe(1);
    const keys = await orderDb.query<{ order_id: string }>('select order_id::text from idempotency_keys where key = $1', [key]);
    expect(keys.rows).toEqual([{ order_id: String(keyed[0]?.body.id) }]);
  });

  it('answers 422 idempotency_key_reused to a different body that shares a batch with the key’s first use', async () => {
    const hold = await holdTheWriter();
    const key = unique('batch-key');
    const names = [unique('First'), unique('Second')];
    let responses: JsonResponse<OrderJson>[];
    try {
      const answers = Promise.all(names.map((name) => postOrder(name, { 'idempotency-key': key })));
      await hold.queued(2);
      await hold.release(LOCK_A);
      responses = await answers;
    } finally {
      await hold.end();
    }

    expect(responses.map((response) => response.status).sort()).toEqual([201, 422]);
    expect(responses.find((response) => response.status === 422)?.body).toMatchObject({ error: 'idempotency_key_reused' });
    expect(await countStored(names)).toEqual({ orders: 1, events: 1 });
  });

  it('when the database refuses a batch, writes its orders one by one: only the order that broke it fails', async () => {
    await orderDb.query(`
      create function refuse_doomed_batch_event() returns trigger language plpgsql as $$
      begin
        if new.payload->>'product_name' like 'Doomed-%' then raise exception 'outbox unavailable'; end if;
        return new;
      end $$;
      create trigger refuse_doomed_batch_event before insert on outbox_events for each row execute function refuse_doomed_batch_event();
    `);
    const doomed = unique('Doomed');
    const innocent = Array.from({ length: 5 }, () => unique('Innocent'));
    const retriedBefore = await metric('order_write_batches_retried_total');
    const hold = await holdTheWriter();
    try {
      const answers = Promise.all([postOrder(doomed), ...innocent.map((name) => postOrder(name))]);
      await hold.queued(1 + innocent.length);
      await hold.release(LOCK_A);
      const [doomedResponse, ...innocentResponses] = await answers;

      expect(doomedResponse.status).toBe(500);
      expect(doomedResponse.body).toEqual({ error: 'internal_error', message: 'something went wrong on our side; it has been logged' });
      expect(innocentResponses.map((response) => response.status)).toEqual([201, 201, 201, 201, 201]);
    } finally {
      await hold.end();
      await orderDb.query('drop trigger refuse_doomed_batch_event on outbox_events');
    }
    expect(await countStored([doomed])).toEqual({ orders: 0, events: 0 });
    expect(await countStored(innocent)).toEqual({ orders: 5, events: 5 });
    expect(await metric('order_write_batches_retried_total')).toBe(retriedBefore + 1);
  });

  it('when the connection is lost mid-batch, answers every order of the batch 503 database_unavailable and stores none', async () => {
    const hold = await holdTheWriter();
    // The batch under test holds on the second lock, so it is in flight when its connection is ended.
    const names = [unique('HoldB'), ...Array.from({ length: 4 }, () => unique('Severed'))];
    let answers: JsonResponse<OrderJson>[];
    try {
      const responses = Promise.all(names.map((name) => postOrder(name)));
      await hold.queued(names.length);
      await hold.release(LOCK_A);
      expect((await hold.first).status).toBe(201);
      const pid = await waitingForLock(LOCK_B);
      await orderDb.query('select pg_terminate_backend($1)', [pid]);
      answers = await responses;
    } finally {
      await hold.end();
    }

    expect(answers.map((response) => `${response.status} ${(response.body as { error?: string }).error ?? ''}`)).toEqual(
      names.map(() => '503 database_unavailable'),
    );
    expect(answers.every((response) => response.headers.get('retry-after') === '1')).toBe(true);
    expect(await countStored(names)).toEqual({ orders: 0, events: 0 });
    // The pool replaced the connection: the next order is stored.
    expect((await postOrder(unique('After'))).status).toBe(201);
  });

  it('answers 503 overloaded with Retry-After at once when the intake is full, and stores nothing of it', async () => {
    const hold = await holdTheWriter(fullService);
    const refusedName = unique('Refused');
    try {
      const refused = await postOrder(refusedName, {}, fullService);

      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.body).toEqual({
        error: 'overloaded',
        message: 'too many orders are being placed right now; nothing was stored, retry after the Retry-After seconds',
      });
      await hold.release(LOCK_A);
      expect((await hold.first).status).toBe(201);
    } finally {
      await hold.end();
    }
    expect(await countStored([refusedName])).toEqual({ orders: 0, events: 0 });
    expect(await metric('order_intake_shed_total', fullService)).toBe(1);
    // Room again once the order in flight is answered.
    expect((await postOrder(unique('Admitted'), {}, fullService)).status).toBe(201);
  });
});
