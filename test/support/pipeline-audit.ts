import amqp from 'amqplib';
import type pg from 'pg';
import type { MessagingTopology } from '../../packages/contracts/src/index.js';
import { describeDeadLetter, type DeadLetter } from '../../packages/operations/src/index.js';
import { TEST_RABBITMQ_URL } from './test-environment.js';
import { queueTotals } from './infrastructure.js';
import { queueDepth } from './pipeline.js';

export interface PipelineProgress {
  storedOrders: number;
  /** Outbox rows neither published nor dead: still to go. */
  pendingRows: number;
  deadRows: number;
  /** Ready messages on the order.created queue. */
  queued: number;
  appliedEvents: number;
}

export async function pipelineProgress(orderDb: pg.Pool, customerDb: pg.Pool, topology: MessagingTopology): Promise<PipelineProgress> {
  const [orders, inbox, queued] = await Promise.all([
    orderDb.query<{ stored: number; pending: number; dead: number }>(
      `select (select count(*)::int from orders) as stored,
              count(*) filter (where published_at is null and dead_at is null)::int as pending,
              count(*) filter (where dead_at is not null)::int as dead
       from outbox_events`,
    ),
    customerDb.query<{ applied: number }>('select count(*)::int as applied from processed_order_events'),
    queueDepth(topology.queue),
  ]);
  return {
    storedOrders: orders.rows[0]?.stored ?? 0,
    pendingRows: orders.rows[0]?.pending ?? 0,
    deadRows: orders.rows[0]?.dead ?? 0,
    queued,
    appliedEvents: inbox.rows[0]?.applied ?? 0,
  };
}

export interface CatchUp {
  /** Everything stored was applied, nothing is pending or queued. */
  caughtUp: boolean;
  /** Nothing is moving any more although not everything was applied: something is lost or stuck. */
  settledShort: boolean;
  elapsedMs: number;
  /** What was still to do when the wait began (the backlog the faults left). */
  first: PipelineProgress | undefined;
  last: PipelineProgress | undefined;
  lastError: string | undefined;
}

/**
 * Polls until the pipeline has caught up with what was stored: no outbox row
 * pending, no message queued, and as many events applied as orders stored.
 * Gives up early when nothing has moved for `quietMs` with nothing pending,
 * nothing queued and nothing unacknowledged (asking the broker itself), since
 * then nothing more can arrive; and gives up at the deadline otherwise.
 */
export async function waitForCatchUp(options: {
  orderDb: pg.Pool;
  customerDb: pg.Pool;
  topology: MessagingTopology;
  timeoutMs: number;
  quietMs?: number;
}): Promise<CatchUp> {
  const started = Date.now();
  const quietMs = options.quietMs ?? 10_000;
  let first: PipelineProgress | undefined;
  let last: PipelineProgress | undefined;
  let lastError: string | undefined;
  let unchangedSince = Date.now();
  for (;;) {
    try {
      const progress = await pipelineProgress(options.orderDb, options.customerDb, options.topology);
      if (last === undefined || JSON.stringify(progress) !== JSON.stringify(last)) unchangedSince = Date.now();
      first ??= progress;
      last = progress;
      lastError = undefined;
      const drained = progress.pendingRows === 0 && progress.queued === 0;
      if (drained && progress.appliedEvents === progress.storedOrders) {
        return { caughtUp: true, settledShort: false, elapsedMs: Date.now() - started, first, last, lastError };
      }
      if (drained && Date.now() - unchangedSince >= quietMs) {
        const totals = await queueTotals(options.topology.queue);
        if (totals !== undefined && totals.ready === 0 && totals.unacknowledged === 0) {
          return { caughtUp: false, settledShort: true, elapsedMs: Date.now() - started, first, last, lastError };
        }
      }
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (Date.now() - started > options.timeoutMs) {
      return { caughtUp: false, settledShort: false, elapsedMs: Date.now() - started, first, last, lastError };
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export interface CountMismatch {
  customerId: number;
  ordersCount: number;
  storedOrders: number;
  appliedEvents: number;
}

export interface PipelineAudit {
  storedOrders: number;
  appliedEvents: number;
  /** Stored orders whose event was never applied. */
  lost: number[];
  /** Orders applied more than once (several inbox rows for one order id). */
  appliedTwice: number[];
  /** Inbox rows beyond the first for those orders. */
  extraApplications: number;
  /** Inbox rows for an order id that order_service never stored, or with an event_id that is not the order's. */
  foreign: Array<{ orderId: number; eventId: string }>;
  /** Customers whose orders_count differs from the orders stored for them. */
  countMismatches: CountMismatch[];
  /** Sum over customers of orders_count above stored orders: increments that match no order. */
  overCounted: number;
  /** Orders answered 201 that are not in the order database. */
  acceptedNotStored: number[];
  deadRows: Array<{ id: number; orderId: number; attempts: number; lastError: string | null }>;
  pendingRows: number;
  deadLetters: DeadLetter[];
  deadLetterCount: number;
}

/**
 * Compares the two databases row by row (in JS, since they are separate
 * databases) and looks at the dead-letter queue: the invariants of the
 * pipeline, whatever happened on the way.
 */
export async function auditPipeline(options: {
  orderDb: pg.Pool;
  customerDb: pg.Pool;
  topology: MessagingTopology;
  acceptedOrderIds: readonly number[];
}): Promise<PipelineAudit> {
  const { orderDb, customerDb } = options;
  const [orders, outbox, inbox, customers] = await Promise.all([
    orderDb.query<{ id: number; customer_id: number }>('select id::int, customer_id::int from orders'),
    orderDb.query<{ id: number; aggregate_id: number; event_id: string; published: boolean; dead: boolean; attempts: number; last_error: string | null }>(
      `select id::int, aggregate_id::int, event_id::text, published_at is not null as published, dead_at is not null as dead, attempts, last_error
       from outbox_events`,
    ),
    customerDb.query<{ event_id: string; order_id: number }>('select event_id::text, order_id::int from processed_order_events'),
    customerDb.query<{ id: number; orders_count: number }>('select id::int, orders_count from customers'),
  ]);

  const storedPerCustomer = new Map<number, number>();
  const storedIds = new Set<number>();
  for (const order of orders.rows) {
    storedIds.add(order.id);
    storedPerCustomer.set(order.customer_id, (storedPerCustomer.get(order.customer_id) ?? 0) + 1);
  }
  const eventOfOrder = new Map(outbox.rows.map((row) => [row.aggregate_id, row.event_id]));
  const customerOfOrder = new Map(orders.rows.map((order) => [order.id, order.customer_id]));

  const applications = new Map<number, number>();
  const appliedPerCustomer = new Map<number, number>();
  const foreign: PipelineAudit['foreign'] = [];
  for (const row of inbox.rows) {
    applications.set(row.order_id, (applications.get(row.order_id) ?? 0) + 1);
    const customerId = customerOfOrder.get(row.order_id);
    if (customerId !== undefined) appliedPerCustomer.set(customerId, (appliedPerCustomer.get(customerId) ?? 0) + 1);
    if (!storedIds.has(row.order_id) || eventOfOrder.get(row.order_id) !== row.event_id) foreign.push({ orderId: row.order_id, eventId: row.event_id });
  }

  const countMismatches: CountMismatch[] = [];
  let overCounted = 0;
  for (const customer of customers.rows) {
    const stored = storedPerCustomer.get(customer.id) ?? 0;
    if (customer.orders_count !== stored) {
      countMismatches.push({
        customerId: customer.id,
        ordersCount: customer.orders_count,
        storedOrders: stored,
        appliedEvents: appliedPerCustomer.get(customer.id) ?? 0,
      });
      overCounted += Math.max(0, customer.orders_count - stored);
    }
  }

  const { count: deadLetterCount, sample: deadLetters } = await readDeadLetters(options.topology);
  return {
    storedOrders: storedIds.size,
    appliedEvents: inbox.rows.length,
    lost: [...storedIds].filter((id) => !applications.has(id)).sort((a, b) => a - b),
    appliedTwice: [...applications.entries()].filter(([, times]) => times > 1).map(([id]) => id),
    extraApplications: [...applications.values()].reduce((sum, times) => sum + times - 1, 0),
    foreign,
    countMismatches,
    overCounted,
    acceptedNotStored: options.acceptedOrderIds.filter((id) => !storedIds.has(id)),
    deadRows: outbox.rows
      .filter((row) => row.dead)
      .map((row) => ({ id: row.id, orderId: row.aggregate_id, attempts: row.attempts, lastError: row.last_error })),
    pendingRows: outbox.rows.filter((row) => !row.published && !row.dead).length,
    deadLetters,
    deadLetterCount,
  };
}

async function readDeadLetters(topology: MessagingTopology): Promise<{ count: number; sample: DeadLetter[] }> {
  const connection = await amqp.connect(TEST_RABBITMQ_URL);
  try {
    const channel = await connection.createChannel();
    const { messageCount } = await channel.checkQueue(topology.deadLetterQueue);
    // Looked at, not removed: the queue is evidence for whoever reads the failure.
    const sample: DeadLetter[] = [];
    while (sample.length < Math.min(messageCount, 20)) {
      const message = await channel.get(topology.deadLetterQueue, { noAck: false });
      if (message === false) break;
      sample.push(describeDeadLetter(message));
    }
    channel.nackAll(true);
    await channel.close();
    return { count: messageCount, sample };
  } finally {
    await connection.close();
  }
}

/** The audit's verdict: every violated invariant, in words; empty when the pipeline held. */
export function violations(audit: PipelineAudit): string[] {
  const found: string[] = [];
  const some = (ids: readonly number[]) => `${ids.slice(0, 20).join(', ')}${ids.length > 20 ? ', …' : ''}`;
  if (audit.lost.length > 0) found.push(`${audit.lost.length} stored orders never applied (lost): ${some(audit.lost)}`);
  if (audit.appliedTwice.length > 0) found.push(`${audit.appliedTwice.length} orders applied more than once: ${some(audit.appliedTwice)}`);
  if (audit.overCounted > 0) found.push(`orders_count above the stored orders by ${audit.overCounted} in total`);
  if (audit.foreign.length > 0) {
    found.push(`${audit.foreign.length} inbox rows match no stored order and its event: ${JSON.stringify(audit.foreign.slice(0, 5))}`);
  }
  if (audit.countMismatches.length > 0) found.push(`orders_count differs from stored orders: ${JSON.stringify(audit.countMismatches.slice(0, 10))}`);
  if (audit.acceptedNotStored.length > 0) found.push(`${audit.acceptedNotStored.length} orders answered 201 but not stored: ${some(audit.acceptedNotStored)}`);
  if (audit.deadRows.length > 0) found.push(`${audit.deadRows.length} dead outbox rows: ${JSON.stringify(audit.deadRows.slice(0, 5))}`);
  if (audit.pendingRows > 0) found.push(`${audit.pendingRows} outbox rows still unpublished`);
  if (audit.deadLetterCount > 0) {
    found.push(`${audit.deadLetterCount} dead letters: ${JSON.stringify(audit.deadLetters.slice(0, 5).map(({ eventId, reason }) => ({ eventId, reason })))}`);
  }
  return found;
}

/**
 * lost: stored orders never applied. doubled: applications beyond the first,
 * or increments of orders_count beyond the orders stored, whichever shows
 * more (an order applied twice shows in both, so they are not added up).
 */
export function lossAndDoubling(audit: PipelineAudit): { lost: number; doubled: number } {
  return { lost: audit.lost.length, doubled: Math.max(audit.extraApplications, audit.overCounted) };
}
