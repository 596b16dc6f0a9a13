import type { OrderStatus } from '@orders/contracts';
import type { Selectable } from 'kysely';
import type { OrdersTable } from '../db/schema.js';

export type OrderRow = Selectable<OrdersTable>;

/** An order as the API returns it. */
export interface Order {
  id: number;
  customer_id: number;
  product_name: string;
  quantity: number;
  price: number;
  status: OrderStatus;
  created_at: string;
  updated_at: string;
}

/** The single place a stored row becomes the contract's JSON shape. */
export function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    customer_id: row.customer_id,
    product_name: row.product_name,
    quantity: row.quantity,
    price: Number(row.price),
    status: row.status,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
