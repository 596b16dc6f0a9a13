import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The SQL order_service sends to store orders, loaded from its compiled
 * module (as the bench runs every service from its build), so the baselines
 * send exactly the statement the API sends and can never drift from it.
 * It takes nine column arrays, one element per order.
 */
export interface OrderStatement {
  text: string;
  /** Parameters for one order per statement, as the baselines send it. */
  oneOrder(customerId: number, quantity: number, eventId: string | null): Array<Array<string | number | null>>;
}

export async function loadOrderStatement(root: string): Promise<OrderStatement> {
  const file = path.join(root, 'services/order-service/dist/orders/place-orders-statement.js');
  const loaded = (await import(pathToFileURL(file).href)) as { PLACE_ORDERS_STATEMENT?: unknown };
  const text = loaded.PLACE_ORDERS_STATEMENT;
  if (typeof text !== 'string') throw new Error(`${file} does not export PLACE_ORDERS_STATEMENT`);
  return {
    text,
    oneOrder: (customerId, quantity, eventId) => [[customerId], ['Bench widget'], [quantity], ['9.99'], ['pending'], [eventId], [null], [null], [null]],
  };
}
