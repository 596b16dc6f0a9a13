import { createHash } from 'node:crypto';
import type { OrderStatus } from '@orders/contracts';
import type { CreateOrderBody } from './order.schemas.js';

/** A validated order request, normalised: trimmed name, price as exact decimal text. */
export interface NewOrder {
  customerId: number;
  productName: string;
  quantity: number;
  /** Two-decimal text such as "9.90", stored as numeric(10,2) without a float in between. */
  price: string;
  status: OrderStatus;
}

export function newOrderFrom(body: CreateOrderBody): NewOrder {
  return {
    customerId: body.customer_id,
    productName: body.product_name.trim(),
    quantity: body.quantity,
    price: typeof body.price === 'number' ? body.price.toFixed(2) : Number(body.price).toFixed(2),
    status: body.status ?? 'pending',
  };
}

/**
 * Identifies "the same body" for Idempotency-Key: computed from the normalised
 * order, so `"price": 5` and `"price": "5.00"`, or a different key order, are
 * the same request.
 */
export function requestFingerprint(order: NewOrder): string {
  const canonical = JSON.stringify([order.customerId, order.productName, order.quantity, order.price, order.status]);
  return createHash('sha256').update(canonical).digest('hex');
}
