import type { OrderDb } from '../db/database.js';
import type { OrderRow } from './order.js';
import { PLACE_ORDERS_STATEMENT, placeOrdersParameters, type OrderToWrite } from './place-orders-statement.js';

export type { OrderToWrite } from './place-orders-statement.js';

export type WriteOutcome = { status: 'written'; row: OrderRow } | { status: 'idempotency_key_taken' };

export interface IdempotentOrder {
  fingerprint: string;
  row: OrderRow;
}

/** A row of PLACE_ORDERS_STATEMENT: all null where the order's key was already taken. */
type PlacedRow = OrderRow | { [Column in keyof OrderRow]: null };

export function createOrdersRepository({ db, pool }: OrderDb) {
  return {
    /**
     * Stores a batch of orders with their events and keys in one statement
     * (see PLACE_ORDERS_STATEMENT for the guarantees): one outcome per write,
     * in the writes' order. A named (prepared) statement: planning this
     * statement costs more than running it for a small batch, so each
     * connection plans it once.
     */
    async insertOrdersWithEvents(writes: readonly OrderToWrite[]): Promise<WriteOutcome[]> {
      const result = await pool.query<PlacedRow>({ name: 'place-orders', text: PLACE_ORDERS_STATEMENT, values: placeOrdersParameters(writes) });
      if (result.rows.length !== writes.length) throw new Error(`order batch of ${writes.length} returned ${result.rows.length} rows`);
      return result.rows.map((row) => (row.id === null ? { status: 'idempotency_key_taken' } : { status: 'written', row }));
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
