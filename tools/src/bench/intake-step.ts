import { connectionSlots } from './bench-databases.js';
import type { BenchContext, BenchStep, StepResult } from './bench-step.js';
import { placeOrdersAsFastAsPossible, type HttpLoadResult } from './http-load.js';
import { orderRequestBodies } from './order-events.js';
import { batchingBetween, describeBatching, readBatchingCounters } from './pipeline-batching.js';
import { describeOrderWrites, orderWritesBetween, readOrderWriteCounters } from './order-write-counters.js';
import { loadOrderStatement } from './order-statement.js';
import { placeOrdersWithPgbench } from './pgbench-baseline.js';
import { placeOrdersWithPlainSql, type SqlIntakeResult } from './sql-intake-baseline.js';
import { eventually } from '@orders/test-support';
import { secondsSince } from './progress.js';

const DRAIN_TIMEOUT_MS = 60_000;

function row(name: string, rate: number, p50: number, p99: number, other: string): string {
  return `| ${name} | ${rate.toFixed(0)} | ${p50.toFixed(1)} | ${p99.toFixed(1)} | ${other} |`;
}

/** Lets the pipeline publish and apply what the previous run created, so runs do not overlap. */
async function settle(context: BenchContext): Promise<void> {
  await context.backlog.waitUntilDrained(DRAIN_TIMEOUT_MS, context.signal, (backlog) =>
    context.progress.update(`letting the pipeline catch up: ${backlog.unapplied} orders to apply`),
  );
}

async function httpRun(context: BenchContext, label: string, seconds: number): Promise<HttpLoadResult> {
  return placeOrdersAsFastAsPossible({
    baseUrl: context.system.orderServiceUrl,
    connections: context.settings.intake.connections,
    seconds,
    bodies: orderRequestBodies(context.customerIds),
    signal: context.signal,
    onTick: (responses) => context.progress.update(`${label}: ${responses.toLocaleString('en-US')} responses`),
  });
}

export const intakeStep: BenchStep = {
  id: 'intake',
  title: 'order intake',
  figures: [
    {
      id: 'intake.rate',
      title: 'Order intake, HTTP, 32 connections',
      unit: 'orders/s',
      baselineLabel: 'pgbench, the same statement, one order per transaction, 32 clients',
      goal: { kind: 'ratio-at-least', ratio: 0.5 },
    },
    {
      id: 'intake.rate-node',
      title: 'Order intake, HTTP, vs the Node.js driver',
      unit: 'orders/s',
      baselineLabel: 'the same statement through pg, one order per transaction, 32 loops',
      goal: { kind: 'none' },
    },
    {
      id: 'intake.drain',
      title: 'End-to-end drain, 32 connections (orders/s until every accepted order is counted)',
      unit: 'orders/s',
      baselineLabel: 'HTTP intake of the same run',
      goal: { kind: 'at-least', limit: 4_000 },
    },
    {
      id: 'intake.p99',
      title: 'Order intake p99 latency',
      unit: 'ms',
      baselineLabel: 'same statement via pg, p99',
      goal: { kind: 'none' },
    },
    {
      id: 'intake.cache-off',
      title: 'Order intake, customer cache off',
      unit: 'orders/s',
      baselineLabel: 'pgbench, the same statement',
      goal: { kind: 'none' },
    },
  ],

  async run(context: BenchContext): Promise<StepResult> {
    const { settings, system, progress, signal } = context;
    const { connections, warmupSeconds, seconds, cacheOffSeconds } = settings.intake;
    const statement = await loadOrderStatement(context.root);

    // The baselines run while order_service is down, so its pool holds no
    // connections and takes no CPU; the rest keeps running, as behind the
    // HTTP runs. Both baselines write to a scratch copy of the order schema
    // that no worker reads, so they pay for nothing behind them.
    await system.stopRole('order_service');
    await system.ensureStandard(signal, ['customer_service', 'order_created_consumer', 'order_outbox_worker']);
    // Waits (within a deadline) for the connections the baselines open, rather than failing midway.
    const needed = connections + 4;
    await eventually(
      () => connectionSlots(context.databases.order),
      (slots) => {
        if (slots.free >= needed) return true;
        progress.update(`waiting for ${needed} free PostgreSQL connections (${slots.free} free; most held by ${slots.heaviest})`);
        return false;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: `${needed} free PostgreSQL connections for the baselines`, signal },
    );
    const nodeSql = (label: string, runSeconds: number): Promise<SqlIntakeResult> =>
      placeOrdersWithPlainSql({
        orderUrl: context.databases.scratchOrderUrl,
        statement,
        concurrency: connections,
        seconds: runSeconds,
        customerIds: context.customerIds,
        signal,
        onTick: (created) => progress.update(`${label}: ${created.toLocaleString('en-US')} orders`),
      });
    progress.update('pgbench warm-up');
    await placeOrdersWithPgbench({ url: context.databases.scratchOrderUrl, statement, clients: connections, seconds: warmupSeconds, signal });
    progress.update(`pgbench, ${connections} clients, ${seconds} s`);
    const pgbench = await placeOrdersWithPgbench({ url: context.databases.scratchOrderUrl, statement, clients: connections, seconds, signal });
    await nodeSql('Node.js baseline warm-up', warmupSeconds);
    const nodeBaseline = await nodeSql('Node.js baseline (pg)', seconds);

    await system.ensureStandard(signal);
    await httpRun(context, 'warm-up', warmupSeconds);
    await settle(context);
    const before = await readBatchingCounters(system);
    const writesBefore = await readOrderWriteCounters(system);
    const http = await httpRun(context, 'HTTP intake', seconds);
    const drainBegan = performance.now();
    await settle(context);
    const drainSeconds = secondsSince(drainBegan);
    const drainRate = http.created / (http.seconds + drainSeconds);
    const batching = batchingBetween(before, await readBatchingCounters(system));
    const writes = orderWritesBetween(writesBefore, await readOrderWriteCounters(system));
    context.shared.httpIntakeRate = http.rate;
    context.shared.httpIntakeP99Ms = http.latencyMs.p99;

    // The shipped configuration caches a positive customer check; this run
    // shows what the HTTP hop to Customer Service costs on every order.
    await system.restart('order_service', signal, { CUSTOMER_CACHE_TTL_MS: '0' });
    await httpRun(context, 'warm-up, cache off', Math.min(1, warmupSeconds));
    await settle(context);
    const cacheOff = await httpRun(context, 'HTTP intake, cache off', cacheOffSeconds);
    await settle(context);
    await system.ensureStandard(signal);

    const failures = (result: HttpLoadResult) =>
      result.non2xx + result.errors === 0 ? 'none' : `${result.non2xx} non-2xx, ${result.errors} errors ${JSON.stringify(result.statusCodes)}`;
    progress.end(
      `${http.rate.toFixed(0)} orders/s over HTTP vs ${pgbench.rate.toFixed(0)} with pgbench and ${nodeBaseline.rate.toFixed(0)} through pg; ` +
        `drained at ${drainRate.toFixed(0)}/s`,
    );
    return {
      measured: {
        'intake.rate': { value: http.rate, baseline: pgbench.rate },
        'intake.rate-node': { value: http.rate, baseline: nodeBaseline.rate },
        'intake.drain': { value: drainRate, baseline: http.rate, note: `${http.created} orders, all counted ${drainSeconds.toFixed(1)} s after the load` },
        'intake.p99': { value: http.latencyMs.p99, baseline: nodeBaseline.latencyMs.p99 },
        'intake.cache-off': { value: cacheOff.rate, baseline: pgbench.rate },
      },
      details: { http, cacheOff, pgbench, nodeBaseline, drainSeconds, drainRate, batching, writes },
      markdown: [
        `POST /api/v1/orders over ${connections} keep-alive connections (autocannon, closed loop) for ${seconds} s after a ` +
          `${warmupSeconds} s warm-up, orders spread over the ${context.customerIds.length} seeded customers, with the real ` +
          'customer check against Customer Service and the outbox worker and consumer running. The baselines send ' +
          "order_service's own statement (loaded from its build, so it is the very text the API sends), one order per " +
          `transaction, to a scratch copy of the order schema: pgbench with ${connections} clients (prepared), and the pg ` +
          `driver from ${connections} loops. Between runs the pipeline is left to drain, so no run pays for the previous one. ` +
          'Drain: orders accepted in the HTTP run ÷ (run time + the time until the last of them is counted by Customer Service).',
        '',
        '| run | orders/s | p50 ms | p99 ms | failures |',
        '|---|---:|---:|---:|---|',
        row('HTTP, shipped configuration', http.rate, http.latencyMs.p50, http.latencyMs.p99, failures(http)),
        row('HTTP, customer cache off', cacheOff.rate, cacheOff.latencyMs.p50, cacheOff.latencyMs.p99, failures(cacheOff)),
        `| pgbench, same statement | ${pgbench.rate.toFixed(0)} | mean ${pgbench.latencyMeanMs.toFixed(1)} | — | ${pgbench.failed === 0 ? 'none' : `${pgbench.failed} failed`} |`,
        row('pg driver, same statement', nodeBaseline.rate, nodeBaseline.latencyMs.p50, nodeBaseline.latencyMs.p99, 'none'),
        '',
        `End to end: ${http.created.toLocaleString('en-US')} orders accepted in ${http.seconds.toFixed(1)} s were all counted ` +
          `${drainSeconds.toFixed(1)} s later: **${drainRate.toFixed(0)} orders/s**.`,
        `Group commit in the shipped HTTP run: ${describeOrderWrites(writes)}. Behind it the pipeline ran ${describeBatching(batching)}.`,
      ],
    };
  },
};
