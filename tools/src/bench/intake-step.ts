import { eventually } from '@orders/test-support';
import { connectionSlots } from './bench-databases.js';
import type { BenchContext, BenchStep, StepResult } from './bench-step.js';
import { atLeast, figure, NO_GOAL, ratioAtLeast } from './figures.js';
import type { HttpLoadResult } from './http-load.js';
import { loadOrderStatement, placeOrdersWithPgbench, placeOrdersWithPlainSql } from './intake-baselines.js';
import { fixed, table, thousands } from './markdown-table.js';
import { secondsSince } from './progress.js';
import { batchingBetween, describeBatching, describeOrderWrites, orderWritesBetween, readCounters } from './service-metrics.js';

/** Lets the pipeline publish and apply what the previous run created, so runs do not overlap. */
const settle = (context: BenchContext) =>
  context.drained(60_000, (backlog) => context.progress.update(`letting the pipeline catch up: ${backlog.unapplied} orders to apply`));

/** Waits (within a deadline) for the connections the baselines open, rather than failing midway. */
async function waitForConnections(context: BenchContext, needed: number): Promise<void> {
  const enough = (slots: { free: number; heaviest: string }) => {
    if (slots.free >= needed) return true;
    context.progress.update(`waiting for ${needed} free PostgreSQL connections (${slots.free} free; most held by ${slots.heaviest})`);
    return false;
  };
  await eventually(() => connectionSlots(context.databases.order), enough, {
    timeoutMs: 60_000,
    intervalMs: 500,
    what: `${needed} free PostgreSQL connections for the baselines`,
    signal: context.signal,
  });
}

/** Run with order_service down, so its pool holds no connections and takes no CPU; the rest keeps running, as behind HTTP. */
async function runBaselines(context: BenchContext) {
  const { system, progress, signal, databases } = context;
  const { connections, warmupSeconds, seconds } = context.settings.intake;
  const statement = await loadOrderStatement(context.root);
  await system.stopRole('order_service');
  await system.ensureStandard(signal, ['customer_service', 'order_created_consumer', 'order_outbox_worker']);
  await waitForConnections(context, connections + 4);
  const nodeSql = (label: string, runSeconds: number) =>
    placeOrdersWithPlainSql({
      orderUrl: databases.scratchOrderUrl,
      statement,
      concurrency: connections,
      seconds: runSeconds,
      customerIds: context.customerIds,
      signal,
      onTick: (created) => progress.update(`${label}: ${thousands(created)} orders`),
    });
  progress.update('pgbench warm-up');
  await placeOrdersWithPgbench(databases.scratchOrderUrl, statement, connections, warmupSeconds, signal);
  progress.update(`pgbench, ${connections} clients, ${seconds} s`);
  const pgbench = await placeOrdersWithPgbench(databases.scratchOrderUrl, statement, connections, seconds, signal);
  await nodeSql('Node.js baseline warm-up', warmupSeconds);
  return { pgbench, nodeBaseline: await nodeSql('Node.js baseline (pg)', seconds) };
}

const failures = (result: HttpLoadResult) =>
  result.non2xx + result.errors === 0 ? 'none' : `${result.non2xx} non-2xx, ${result.errors} errors ${JSON.stringify(result.statusCodes)}`;
const row = (name: string, result: { rate: number; latencyMs: { p50: number; p99: number } }, other: string) => [
  name,
  fixed(result.rate),
  fixed(result.latencyMs.p50, 1),
  fixed(result.latencyMs.p99, 1),
  other,
];

export const intakeStep: BenchStep = {
  id: 'intake',
  title: 'order intake',
  figures: [
    figure(
      'intake.rate',
      'Order intake, HTTP, 32 connections',
      'orders/s',
      'pgbench, the same statement, one order per transaction, 32 clients',
      ratioAtLeast(0.5),
    ),
    figure(
      'intake.rate-node',
      'Order intake, HTTP, vs the Node.js driver',
      'orders/s',
      'the same statement through pg, one order per transaction, 32 loops',
      NO_GOAL,
    ),
    figure(
      'intake.drain',
      'End-to-end drain, 32 connections (orders/s until every accepted order is counted)',
      'orders/s',
      'HTTP intake of the same run',
      atLeast(4_000),
    ),
    figure('intake.p99', 'Order intake p99 latency', 'ms', 'same statement via pg, p99', NO_GOAL),
    figure('intake.cache-off', 'Order intake, customer cache off', 'orders/s', 'pgbench, the same statement', NO_GOAL),
  ],

  async run(context: BenchContext): Promise<StepResult> {
    const { system, progress, signal } = context;
    const { connections, warmupSeconds, seconds, cacheOffSeconds } = context.settings.intake;
    const { pgbench, nodeBaseline } = await runBaselines(context);

    await system.ensureStandard(signal);
    await context.load('warm-up', connections, warmupSeconds);
    await settle(context);
    const before = await readCounters(system);
    const http = await context.load('HTTP intake', connections, seconds);
    const drainBegan = performance.now();
    await settle(context);
    const drainSeconds = secondsSince(drainBegan);
    const drainRate = http.created / (http.seconds + drainSeconds);
    const after = await readCounters(system);
    const [batching, writes] = [batchingBetween(before, after), orderWritesBetween(before, after)];
    context.shared.httpIntakeRate = http.rate;
    context.shared.httpIntakeP99Ms = http.latencyMs.p99;

    // The shipped configuration caches a positive customer check; this run
    // shows what the HTTP hop to Customer Service costs on every order.
    await system.restart('order_service', signal, { CUSTOMER_CACHE_TTL_MS: '0' });
    await context.load('warm-up, cache off', connections, Math.min(1, warmupSeconds));
    await settle(context);
    const cacheOff = await context.load('HTTP intake, cache off', connections, cacheOffSeconds);
    await settle(context);
    await system.ensureStandard(signal);

    progress.end(
      `${fixed(http.rate)} orders/s over HTTP vs ${fixed(pgbench.rate)} with pgbench and ${fixed(nodeBaseline.rate)} through pg; ` +
        `drained at ${fixed(drainRate)}/s`,
    );
    return {
      measured: {
        'intake.rate': { value: http.rate, baseline: pgbench.rate },
        'intake.rate-node': { value: http.rate, baseline: nodeBaseline.rate },
        'intake.drain': {
          value: drainRate,
          baseline: http.rate,
          note: `${http.created} orders, all counted ${drainSeconds.toFixed(1)} s after the load`,
        },
        'intake.p99': { value: http.latencyMs.p99, baseline: nodeBaseline.latencyMs.p99 },
        'intake.cache-off': { value: cacheOff.rate, baseline: pgbench.rate },
      },
      details: { http, cacheOff, pgbench, nodeBaseline, drainSeconds, drainRate, batching, writes },
      markdown: [
        `Load: POST /api/v1/orders over ${connections} keep-alive connections (autocannon, closed loop), ${seconds} s after a ` +
          `${warmupSeconds} s warm-up, over the ${context.customerIds.length} seeded customers; real customer check, worker and consumer ` +
          "running. Baselines: order_service's own statement (from its build), one order per transaction, to a scratch copy of the " +
          `order schema: pgbench with ${connections} prepared clients, and pg from ${connections} loops. The pipeline drains between ` +
          'runs. Drain: orders accepted ÷ (run time + time until the last of them is counted by Customer Service).',
        '',
        ...table('run | orders/s: | p50 ms: | p99 ms: | failures', [
          row('HTTP, shipped configuration', http, failures(http)),
          row('HTTP, customer cache off', cacheOff, failures(cacheOff)),
          [
            'pgbench, same statement',
            fixed(pgbench.rate),
            `mean ${fixed(pgbench.latencyMeanMs, 1)}`,
            '—',
            pgbench.failed === 0 ? 'none' : `${pgbench.failed} failed`,
          ],
          row('pg driver, same statement', nodeBaseline, 'none'),
        ]),
        '',
        `End to end: ${thousands(http.created)} orders accepted in ${http.seconds.toFixed(1)} s were all counted ` +
          `${drainSeconds.toFixed(1)} s later: **${fixed(drainRate)} orders/s**.`,
        `Group commit in the shipped HTTP run: ${describeOrderWrites(writes)}. Behind it the pipeline ran ${describeBatching(batching)}.`,
      ],
    };
  },
};
