import type { ColumnType, Generated } from 'kysely';
import type { OrderStatus } from '@orders/contracts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface OrdersTable {
  id: Generated<number>;
  customer_id: number;
  product_name: string;
  quantity: number;
  /** numeric(10,2), read as text so no price is ever rounded by a float. */
  price: ColumnType<string, string, string>;
  status: OrderStatus;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface OutboxEventsTable {
  id: Generated<number>;
  event_id: string;
  event_type: string;
  aggregate_id: number;
  payload: ColumnType<unknown, string, string>;
  traceparent: string | null;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  published_at: Timestamp | null;
  dead_at: Timestamp | null;
  last_error: string | null;
  created_at: Timestamp;
}

export interface IdempotencyKeysTable {
  key: string;
  request_fingerprint: string;
  order_id: number;
  created_at: Timestamp;
}

export interface OrderDatabase {
  orders: OrdersTable;
  outbox_events: OutboxEventsTable;
  idempotency_keys: IdempotencyKeysTable;
}
