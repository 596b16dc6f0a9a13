import { sql, type Kysely } from 'kysely';
import type { OrderDatabase } from '../db/schema.js';
import type { NewOrder } from './new-order.js';
import type { OrderRow } from './order.js';

export interface OrderToWrite {
  order: NewOrder;
  eventId: string;
  traceparent: string | undefined;
  idempotency: { key: string; fingerprint: string } | undefined;
}

export type WriteOutcome = { status: 'written'; row: OrderRow } | { status: 'idempotency_key_taken' };

export interface IdempotentOrder {
  fingerprint: string;
  row: OrderRow;
}

const UNIQUE_VIOLATION = '23505';

export function createOrdersRepository(db: Kysely<OrderDatabase>) {
  return {
    /**
     * The transactional outbox write. The order, its order.created event and
     * the idempotency key are inserted by ONE statement, so PostgreSQL commits
     * all three or none: an order is never stored without its event, nor the
     * reverse. One statement is also one round trip on the hot path.
     *
     * A second request with the same Idempotency-Key blocks on the key's
     * unique index until the first commits, then fails with 23505 and nothing
     * of its own is stored.
     */
    async insertOrderWithEvent(input: OrderToWrite): Promise<WriteOutcome> {
      const { order, eventId, traceparent, idempotency } = input;
      try {
        const result = await sql<OrderRow>`
          with inserted_order as (
            insert into orders (customer_id, product_name, quantity, price, status)
            values (${order.customerId}, ${order.productName}, ${order.quantity}, ${order.price}::numeric, ${order.status})
            returning *
          ), outbox as (
            insert into outbox_events (event_id, event_type, aggregate_id, payload, traceparent)
            select ${eventId}::uuid, 'order.created', o.id,
              jsonb_build_object(
                'event_id', ${eventId}::text,
                'occurred_at', to_char(o.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                'order_id', o.id,
                'customer_id', o.customer_id,
                'product_name', o.product_name,
                'quantity', o.quantity,
                'price', o.price,
                'status', o.status
              ),
              ${traceparent ?? null}::text
            from inserted_order o
          ), idempotency as (
            insert into idempotency_keys (key, request_fingerprint, order_id)
            select ${idempotency?.key ?? null}::text, ${idempotency?.fingerprint ?? null}::text, o.id
            from inserted_order o
            where ${idempotency?.key ?? null}::text is not null
          )
          select * from inserted_order
        `.execute(db);
        const row = result.rows[0];
        if (row === undefined) throw new Error('order insert returned no row');
        return { status: 'written', row };
      } catch (error) {
        const pgError = error as { code?: string; constraint?: string };
        if (pgError.code === UNIQUE_VIOLATION && pgError.constraint === 'idempotency_keys_pkey') {
          return { status: 'idempotency_key_taken' };
        }
        throw error;
      }
    },

    async findByIdempotencyKey(key: string): Promise<IdempotentOrder | undefined> {
      const row = await db
        .selectFrom('idempotency_keys as k')
        .innerJoin('orders as o', 'o.id', 'k.order_id')
        .selectAll('o')
        .select('k.request_fingerprint')
        .where('k.key', '=', key)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      const { request_fingerprint: fingerprint, ...order } = row;
      return { fingerprint, row: order };
    },

    async findById(id: number): Promise<OrderRow | undefined> {
      return db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** Newest first, by keyset: `before` is the id of the last order of the previous page. */
    async list(filter: { customerId?: number | undefined; before?: number | undefined; limit: number }): Promise<OrderRow[]> {
      let query = db.selectFrom('orders').selectAll();
      if (filter.customerId !== undefined) query = query.where('customer_id', '=', filter.customerId);
      if (filter.before !== undefined) query = query.where('id', '<', filter.before);
      return query.orderBy('id', 'desc').limit(filter.limit).execute();
    },
  };
}

export type OrdersRepository = ReturnType<typeof createOrdersRepository>;
