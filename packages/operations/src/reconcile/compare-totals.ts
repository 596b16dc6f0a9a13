import { isMismatch, type CustomerComparison, type CustomerTotal, type OrderTotal } from './customer-totals.js';

/**
 * Merges the two id-ordered streams like a merge join, yielding every
 * customer whose numbers disagree. Holds one row of each stream at a time.
 */
export async function* mismatchedCustomers(
  orders: AsyncIterator<OrderTotal>,
  customers: AsyncIterator<CustomerTotal>,
  onCompared: () => void = () => undefined,
): AsyncGenerator<CustomerComparison> {
  let order = await orders.next();
  let customer = await customers.next();
  while (!order.done || !customer.done) {
    let comparison: CustomerComparison;
    if (customer.done || (!order.done && order.value.customerId < customer.value.customerId)) {
      // Orders for a customer customer_service does not have.
      if (order.done) break;
      comparison = { customerId: order.value.customerId, orders: order.value.orders, ordersCount: null, applied: 0 };
      order = await orders.next();
    } else if (order.done || customer.value.customerId < order.value.customerId) {
      comparison = { customerId: customer.value.customerId, orders: 0, ordersCount: customer.value.ordersCount, applied: customer.value.applied };
      customer = await customers.next();
    } else {
      comparison = {
        customerId: customer.value.customerId,
        orders: order.value.orders,
        ordersCount: customer.value.ordersCount,
        applied: customer.value.applied,
      };
      order = await orders.next();
      customer = await customers.next();
    }
    onCompared();
    if (isMismatch(comparison)) yield comparison;
  }
}
