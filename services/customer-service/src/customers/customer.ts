import type { Selectable } from 'kysely';
import type { CustomersTable } from '../db/schema.js';

export type CustomerRow = Selectable<CustomersTable>;

export interface Customer {
  id: number;
  name: string;
  address: string;
  orders_count: number;
  created_at: string;
  updated_at: string;
}

/** The single place a stored row becomes the contract's JSON shape. */
export function toCustomer(row: CustomerRow): Customer {
  return {
    id: row.id,
    name: row.name,
    address: row.address,
    orders_count: row.orders_count,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
