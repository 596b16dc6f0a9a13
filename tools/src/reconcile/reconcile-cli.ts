import { setTimeout as delay } from 'node:timers/promises';
import amqp from 'amqplib';
import pg from 'pg';
import { messagingTopology } from '@orders/contracts';
import { readDatabaseUrl, readRabbitUrl, readString, runOnce, DependencyUnavailableError } from '@orders/service-kit';
import { mismatchedCustomers } from './compare-totals.js';
import { customerTotals, isMismatch, orderTotals, totalsOf, type CustomerComparison } from './customer-totals.js';
import { republishEvents } from './republish-events.js';
import { unappliedOrders } from './unapplied-orders.js';

const USAGE = `usage: npm run reconcile [-- --repair] [--settle-ms N] [--window-days N]
  Compares, per customer, the orders stored by order_service with orders_count and the
  applied events of customer_service; prints every customer that does not match and
  exits 1 when any does.
  --repair          re-publish the events of stored orders never applied (within the window)
  --settle-ms N     re-check candidates after N ms so orders still in flight are not reported (default 3000)
  --window-days N   how far back --repair looks; keep it below INBOX_RETENTION_DAYS (default 6)
environment: ORDER_DATABASE_URL, CUSTOMER_DATABASE_URL, RABBITMQ_URL, RABBITMQ_TOPOLOGY_PREFIX`;

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
}

const describe = (c: CustomerComparison) =>
  `customer ${c.customerId}: orders stored ${c.orders}, orders_count ${c.ordersCount ?? '(no such customer)'}, applied events ${c.applied}`;

// npm run reconcile: does every customer's orders_count match the orders stored for it?
await runOnce('reconcile', async () => {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let settleMs: number;
  let windowDays: number;
  try {
    settleMs = option(args, '--settle-ms', 3_000);
    windowDays = option(args, '--window-days', 6);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const env = process.env;
  const orderDb = new pg.Pool({ connectionString: readString(env, 'ORDER_DATABASE_URL', readDatabaseUrl({}, 'order_service')), max: 2 });
  const customerDb = new pg.Pool({ connectionString: readString(env, 'CUSTOMER_DATABASE_URL', readDatabaseUrl({}, 'customer_service')), max: 2 });
  try {
    let compared = 0;
    const candidates: CustomerComparison[] = [];
    try {
      for await (const mismatch of mismatchedCustomers(orderTotals(orderDb), customerTotals(customerDb), () => (compared += 1))) {
        candidates.push(mismatch);
        // Bounded: beyond this, drift is systemic and the first ones tell the story.
        if (candidates.length >= 100_000) break;
      }
    } catch (error) {
      throw new DependencyUnavailableError('PostgreSQL', 'the order or customer database', error);
    }
    // Orders still travelling through the pipeline look like drift for a moment; look again.
    if (candidates.length > 0 && settleMs > 0) await delay(settleMs);
    const mismatches: CustomerComparison[] = [];
    for (const candidate of candidates) {
      const now = settleMs > 0 ? await totalsOf(orderDb, customerDb, candidate.customerId) : candidate;
      if (isMismatch(now)) mismatches.push(now);
    }
    for (const mismatch of mismatches) process.stdout.write(`${describe(mismatch)}\n`);
    process.stdout.write(
      mismatches.length === 0
        ? `all ${compared} customers match\n`
        : `${mismatches.length} of ${compared} customers do not match\n`,
    );
    if (mismatches.length === 0 || !args.includes('--repair')) return mismatches.length === 0 ? 0 : 1;

    const topology = messagingTopology(readString(env, 'RABBITMQ_TOPOLOGY_PREFIX', ''));
    const connection = await amqp.connect(readRabbitUrl(env));
    try {
      for (const mismatch of mismatches) {
        const deficit = mismatch.orders - (mismatch.ordersCount ?? 0);
        if (mismatch.ordersCount === null || deficit <= 0) {
          process.stdout.write(`customer ${mismatch.customerId}: not repairable by re-publishing (counted more than stored, or no such customer)\n`);
          continue;
        }
        const missing = await unappliedOrders(orderDb, customerDb, mismatch.customerId, windowDays);
        if (missing.length > deficit) {
          process.stdout.write(`customer ${mismatch.customerId}: ${missing.length} orders without an applied event but a deficit of ${deficit}; left alone\n`);
          continue;
        }
        const result = await republishEvents(orderDb, connection, topology, missing);
        process.stdout.write(
          `customer ${mismatch.customerId}: re-published ${result.republished.length} event(s)` +
            (result.republished.length > 0 ? ` (orders ${result.republished.join(', ')})` : '') +
            (result.withoutEvent.length > 0 ? `; no stored event for orders ${result.withoutEvent.join(', ')}` : '') +
            (missing.length < deficit ? `; ${deficit - missing.length} missing order(s) are older than ${windowDays} days` : '') +
            '\n',
        );
      }
    } finally {
      await connection.close();
    }
    process.stdout.write('repair published; run npm run reconcile again in a few seconds to confirm\n');
    return 1;
  } finally {
    await orderDb.end();
    await customerDb.end();
  }
});
