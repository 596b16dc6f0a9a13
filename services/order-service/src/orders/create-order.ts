import type { Result } from '@orders/service-kit';
import type { CustomerDirectory } from '../customers/customer-directory.js';
import { requestFingerprint, type NewOrder } from './new-order.js';
import { toOrder, type Order } from './order.js';
import type { IdempotentOrder, OrdersRepository, OrderToWrite, WriteOutcome } from './orders.repository.js';

export type CreateOrderResult = Result<
  { order: Order; replayed: boolean },
  { error: 'customer_not_found' } | { error: 'customer_service_unavailable'; retryAfterSeconds: number } | { error: 'idempotency_key_reused' }
>;

export interface CreateOrderDeps {
  orders: OrdersRepository;
  customers: CustomerDirectory;
  /** The group commit: stores the order with those arriving meanwhile, and wakes the outbox worker once per batch. */
  writeOrder: (write: OrderToWrite) => Promise<WriteOutcome>;
  newEventId: () => string;
}

export interface CreateOrderRequest {
  order: NewOrder;
  idempotencyKey: string | undefined;
  traceparent: string | undefined;
}

/**
 * Places an order: answer a repeated Idempotency-Key from what it created,
 * check the customer exists, then store the order and its order.created
 * event together.
 */
export async function createOrder(deps: CreateOrderDeps, request: CreateOrderRequest): Promise<CreateOrderResult> {
  const { order, idempotencyKey } = request;
  const fingerprint = idempotencyKey === undefined ? undefined : requestFingerprint(order);

  if (idempotencyKey !== undefined && fingerprint !== undefined) {
    const earlier = await deps.orders.findByIdempotencyKey(idempotencyKey);
    if (earlier !== undefined) return replayOf(earlier, fingerprint);
  }

  const customer = await deps.customers.check(order.customerId);
  switch (customer.status) {
    case 'not_found':
      return { ok: false, error: 'customer_not_found' };
    case 'unavailable':
      return { ok: false, error: 'customer_service_unavailable', retryAfterSeconds: customer.retryAfterSeconds };
    case 'found':
      break;
  }

  const written = await deps.writeOrder({
    order,
    eventId: deps.newEventId(),
    traceparent: request.traceparent,
    idempotency: idempotencyKey !== undefined && fingerprint !== undefined ? { key: idempotencyKey, fingerprint } : undefined,
  });
  if (written.status === 'written') return { ok: true, order: toOrder(written.row), replayed: false };

  // A request with the same key, in this batch or another, won and has committed.
  const winner = idempotencyKey === undefined ? undefined : await deps.orders.findByIdempotencyKey(idempotencyKey);
  if (winner === undefined || fingerprint === undefined) throw new Error('idempotency key taken but not found');
  return replayOf(winner, fingerprint);
}

function replayOf(earlier: IdempotentOrder, fingerprint: string): CreateOrderResult {
  if (earlier.fingerprint !== fingerprint) return { ok: false, error: 'idempotency_key_reused' };
  return { ok: true, order: toOrder(earlier.row), replayed: true };
}
