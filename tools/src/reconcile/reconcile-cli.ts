import pg from 'pg';
import { messagingTopology } from '@orders/contracts';
import { connectOperationsBroker, reconcileCustomers, repairMismatches, type CustomerComparison, type RepairOutcome } from '@orders/operations';
import { createLogger, readDatabaseUrl, readRabbitUrls, readString, runOnce, DependencyUnavailableError } from '@orders/service-kit';

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

function describeRepair(outcome: RepairOutcome, windowDays: number): string {
  switch (outcome.kind) {
    case 'not_repairable':
      return `customer ${outcome.customerId}: not repairable by re-publishing (counted more than stored, or no such customer)`;
    case 'ambiguous':
      return `customer ${outcome.customerId}: ${outcome.unapplied} orders without an applied event but a deficit of ${outcome.deficit}; left alone`;
    case 'republished':
      return (
        `customer ${outcome.customerId}: re-published ${outcome.orderIds.length} event(s)` +
        (outcome.orderIds.length > 0 ? ` (orders ${outcome.orderIds.join(', ')})` : '') +
        (outcome.withoutEvent.length > 0 ? `; no stored event for orders ${outcome.withoutEvent.join(', ')}` : '') +
        (outcome.olderThanWindow > 0 ? `; ${outcome.olderThanWindow} missing order(s) are older than ${windowDays} days` : '')
      );
  }
}

// npm run reconcile: a face over @orders/operations' reconciliation.
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
  const databases = {
    orderDb: new pg.Pool({ connectionString: readString(env, 'ORDER_DATABASE_URL', readDatabaseUrl({}, 'order_service')), max: 2 }),
    customerDb: new pg.Pool({ connectionString: readString(env, 'CUSTOMER_DATABASE_URL', readDatabaseUrl({}, 'customer_service')), max: 2 }),
  };
  try {
    let report;
    try {
      report = await reconcileCustomers(databases, settleMs);
    } catch (error) {
      throw new DependencyUnavailableError('PostgreSQL', 'the order or customer database', error);
    }
    const { mismatches, customersChecked } = report;
    for (const mismatch of mismatches) process.stdout.write(`${describe(mismatch)}\n`);
    process.stdout.write(
      mismatches.length === 0 ? `all ${customersChecked} customers match\n` : `${mismatches.length} of ${customersChecked} customers do not match\n`,
    );
    if (mismatches.length === 0 || !args.includes('--repair')) return mismatches.length === 0 ? 0 : 1;

    const broker = await connectOperationsBroker({
      urls: readRabbitUrls(env),
      topology: messagingTopology(readString(env, 'RABBITMQ_TOPOLOGY_PREFIX', '')),
      connectionName: 'reconcile-cli',
      logger: createLogger({ name: 'reconcile', level: 'warn', pretty: false }),
    });
    try {
      const outcomes = await repairMismatches(databases, broker.republish, mismatches, windowDays);
      for (const outcome of outcomes) process.stdout.write(`${describeRepair(outcome, windowDays)}\n`);
    } finally {
      await broker.close();
    }
    process.stdout.write('repair published; run npm run reconcile again in a few seconds to confirm\n');
    return 1;
  } finally {
    await databases.orderDb.end();
    await databases.customerDb.end();
  }
});
