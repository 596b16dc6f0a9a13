import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';
import { mismatchedCustomers } from './compare-totals.js';
import { customerTotals, isMismatch, orderTotals, totalsOf, type CustomerComparison } from './customer-totals.js';

export interface ReconcileDatabases {
  orderDb: pg.Pool;
  customerDb: pg.Pool;
}

export interface ReconcileReport {
  customersChecked: number;
  mismatches: CustomerComparison[];
}

// Beyond this many, drift is systemic and the first ones tell the story.
const MAX_CANDIDATES = 100_000;

/**
 * Compares every customer's stored orders with its orders_count, streaming
 * both sides in id order. Orders still travelling through the pipeline look
 * like drift for a moment, so candidates are read again after `settleMs`
 * and only those still off are reported.
 */
export async function reconcileCustomers(databases: ReconcileDatabases, settleMs: number): Promise<ReconcileReport> {
  let customersChecked = 0;
  const candidates: CustomerComparison[] = [];
  const pairs = mismatchedCustomers(orderTotals(databases.orderDb), customerTotals(databases.customerDb), () => (customersChecked += 1));
  for await (const mismatch of pairs) {
    candidates.push(mismatch);
    if (candidates.length >= MAX_CANDIDATES) break;
  }
  if (candidates.length === 0 || settleMs === 0) return { customersChecked, mismatches: candidates };
  await delay(settleMs);
  const mismatches: CustomerComparison[] = [];
  for (const candidate of candidates) {
    const now = await totalsOf(databases.orderDb, databases.customerDb, candidate.customerId);
    if (isMismatch(now)) mismatches.push(now);
  }
  return { customersChecked, mismatches };
}
