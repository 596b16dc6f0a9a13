import type { CustomerComparison } from './customer-totals.js';
import type { ReconcileDatabases } from './reconcile-customers.js';
import { republishEvents, type OrderCreatedRepublisher } from './republish-events.js';
import { unappliedOrders } from './unapplied-orders.js';

export type RepairOutcome =
  /** Counted more than stored, or no such customer: re-publishing cannot fix it. */
  | { customerId: number; kind: 'not_repairable' }
  /** More orders lack an applied event than the count is short by: a person should look. */
  | { customerId: number; kind: 'ambiguous'; unapplied: number; deficit: number }
  | { customerId: number; kind: 'republished'; orderIds: number[]; withoutEvent: number[]; olderThanWindow: number };

/**
 * Re-publishes the stored events of orders that were never applied, for each
 * customer short of its stored orders. Only orders younger than `windowDays`
 * are judged: an older order's inbox row may have been removed by retention,
 * and its event would be counted again.
 */
export async function repairMismatches(
  databases: ReconcileDatabases,
  republisher: OrderCreatedRepublisher,
  mismatches: CustomerComparison[],
  windowDays: number,
): Promise<RepairOutcome[]> {
  const outcomes: RepairOutcome[] = [];
  for (const mismatch of mismatches) {
    const deficit = mismatch.orders - (mismatch.ordersCount ?? 0);
    if (mismatch.ordersCount === null || deficit <= 0) {
      outcomes.push({ customerId: mismatch.customerId, kind: 'not_repairable' });
      continue;
    }
    const missing = await unappliedOrders(databases.orderDb, databases.customerDb, mismatch.customerId, windowDays);
    if (missing.length > deficit) {
      outcomes.push({ customerId: mismatch.customerId, kind: 'ambiguous', unapplied: missing.length, deficit });
      continue;
    }
    const result = await republishEvents(databases.orderDb, republisher, missing);
    outcomes.push({
      customerId: mismatch.customerId,
      kind: 'republished',
      orderIds: result.republished,
      withoutEvent: result.withoutEvent,
      olderThanWindow: Math.max(0, deficit - missing.length),
    });
  }
  return outcomes;
}
