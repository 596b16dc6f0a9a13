import { round, type BenchContext, type BenchStep } from './bench-step.js';
import { figuresOf } from './figures.js';
import { loadOrderStatement, placeOrdersWithPgbench, placeOrdersWithPlainSql } from './intake-baselines.js';
import { batchingBetween, describeBatching } from './pipeline-probe.js';

/** With order_service down, so its pool holds no connections and takes no CPU; the rest keeps running, as behind HTTP. */
async function runBaselines({ system, signal, databases, customerIds, root, settings }: BenchContext) {
  const { connections, warmupSeconds, seconds } = settings.intake;
  const statement = await loadOrderStatement(root);
  await system.stopRole('order_service');
  await system.ensureStandard(signal, ['customer_service', 'order_created_consumer', 'order_outbox_worker']);
  const pgbench = (runSeconds: number) => placeOrdersWithPgbench(databases.scratchOrderUrl, statement, connections, runSeconds, signal);
  const pg = (runSeconds: number) => placeOrdersWithPlainSql(databases.scratchOrderUrl, statement, connections, runSeconds, customerIds);
  await pgbench(warmupSeconds);
  const pgbenchRun = await pgbench(seconds);
  await pg(warmupSeconds);
  return { pgbench: pgbenchRun, pg: await pg(seconds) };
}

/** A closed-loop run after a warm-up, and the time until the pipeline applied all of it. */
async function runIntake(context: BenchContext, seconds: number, warmupSeconds: number) {
  await context.load(context.settings.intake.connections, warmupSeconds);
  await context.drained();
  const before = await context.counters();
  const http = await context.load(context.settings.intake.connections, seconds);
  const drainBegan = performance.now();
  await context.drained();
  return { ...http, drainSeconds: (performance.now() - drainBegan) / 1000, batching: batchingBetween(before, await context.counters()) };
}

const row = (run: string, rate: number, p50: number | null, p99: number | null, failures: string) => ({
  run,
  'orders/s': round(rate),
  'p50 ms': round(p50, 1),
  'p99 ms': round(p99, 1),
  failures,
});
const failures = ({ non2xx, errors, statusCodes }: { non2xx: number; errors: number; statusCodes: Record<string, number> }) =>
  non2xx + errors === 0 ? 'none' : `${non2xx} non-2xx, ${errors} errors ${JSON.stringify(statusCodes)}`;

export const intakeStep: BenchStep = {
  id: 'intake',
  title: 'order intake',
  figures: figuresOf('intake'),

  async run(context) {
    const { system, signal, settings, shared } = context;
    const { connections, warmupSeconds, seconds, cacheOffSeconds } = settings.intake;
    const { pgbench, pg } = await runBaselines(context);
    await system.ensureStandard(signal);
    const http = await runIntake(context, seconds, warmupSeconds);
    const drainRate = http.created / (http.seconds + http.drainSeconds);
    shared.httpIntakeRate = http.rate;
    shared.httpIntakeP99Ms = http.latencyMs.p99;
    // The shipped configuration caches a positive customer check; this shows what the HTTP hop to Customer Service costs on every order.
    await system.restart('order_service', signal, { CUSTOMER_CACHE_TTL_MS: '0' });
    const cacheOff = await runIntake(context, cacheOffSeconds, Math.min(1, warmupSeconds));
    await system.ensureStandard(signal);
    const { batching, created, drainSeconds } = http;
    return {
      measured: {
        'intake.rate': { value: http.rate, baseline: pgbench.rate },
        'intake.rate-node': { value: http.rate, baseline: pg.rate },
        'intake.drain': {
          value: drainRate,
          baseline: http.rate,
          note: `${created} orders, all counted ${drainSeconds.toFixed(1)} s after the load`,
        },
        'intake.p99': { value: http.latencyMs.p99, baseline: pg.latencyMs.p99 },
        'intake.cache-off': { value: cacheOff.rate, baseline: pgbench.rate },
      },
      method:
        `POST /api/v1/orders over ${connections} keep-alive connections (autocannon, closed loop), ${seconds} s after a ${warmupSeconds} s ` +
        "warm-up; real customer check, worker and consumer running. Baselines: order_service's own statement (from its build), one order " +
        `per transaction, on a scratch copy of the schema: pgbench with ${connections} prepared clients, and pg from ${connections} loops. ` +
        'Drain: orders accepted ÷ (run time + time until Customer Service counted the last of them).',
      rows: [
        row('HTTP, shipped configuration', http.rate, http.latencyMs.p50, http.latencyMs.p99, failures(http)),
        row('HTTP, customer cache off', cacheOff.rate, cacheOff.latencyMs.p50, cacheOff.latencyMs.p99, failures(cacheOff)),
        row('pgbench, same statement (mean latency)', pgbench.rate, pgbench.latencyMeanMs, null, `${pgbench.failed} failed`),
        row('pg driver, same statement', pg.rate, pg.latencyMs.p50, pg.latencyMs.p99, 'none'),
      ],
      notes: [
        `End to end: ${created} orders accepted in ${http.seconds.toFixed(1)} s were all counted ${drainSeconds.toFixed(1)} s later: ` +
          `**${drainRate.toFixed(0)} orders/s**. Group commit: ${batching.orderWrites} statements of ${round(batching.ordersPerWrite, 1)} ` +
          `orders on average (${batching.writesRetried} retried one by one); the pipeline ran ${describeBatching(batching)}.`,
      ],
    };
  },
};
