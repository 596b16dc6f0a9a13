import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface CustomersTable {
  id: Generated<number>;
  name: string;
  address: string;
  orders_count: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ProcessedOrderEventsTable {
  event_id: string;
  order_id: number;
  customer_id: number;
  occurred_at: Timestamp;
  processed_at: Timestamp;
}

export interface CustomerDatabase {
  customers: CustomersTable;
  processed_order_events: ProcessedOrderEventsTable;
}
