import { connectionSlots } from './bench-databases.js';
import type { BenchContext, BenchStep, StepResult } from './bench-step.js';
import { placeOrdersAsFastAsPossible, type HttpLoadResult } from './http-load.js';
import { orderRequestBodies } from './order-events.js';
import { batchingBetween, describeBatching, readBatchingCounters } from './pipeline-batching.js';
import { placeOrdersWithPlainSql, type SqlIntakeResult } from './sql-intake-baseline.js';
import { waitFor } from './wait-for.js';

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
      baselineLabel: 'same SQL via pg, 32 concurrent',
      goal: { kind: 'ratio-at-least', ratio: 0.5 },
    },
    {
      id: 'intake.p99',
      title: 'Order intake p99 latency',
      unit: 'ms',
      baselineLabel: 'same SQL via pg, p99',
      goal: { kind: 'none' },
    },
    {
      id: 'intake.cache-off',
      title: 'Order intake, customer cache off',
      unit: 'orders/s',
      baselineLabel: 'same SQL via pg, 32 concurrent',
      goal: { kind: 'none' },
    },
  ],

  async run(context: BenchContext): Promise<StepResult> {
    const { settings, system, progress, signal } = context;
    const { connections, warmupSeconds, seconds, cacheOffSeconds } = settings.intake;

    // The baseline runs while the APIs are down: their idle pools would
    // otherwise hold connections the baseline's 2 x 32 need, and the worker
    // and consumer run in both cases, so both pay for the pipeline behind them.
    await system.stopRole('order_service');
    await system.stopRole('customer_service');
    await system.ensureStandard(signal, ['order_created_consumer', 'order_outbox_worker']);
    const sql = (label: string, runSeconds: number): Promise<SqlIntakeResult> =>
      placeOrdersWithPlainSql({
        orderUrl: context.databases.orderUrl,
        customerUrl: context.databases.customerUrl,
        concurrency: connections,
        seconds: runSeconds,
        customerIds: context.customerIds,
        signal,
        onTick: (created) => progress.update(`${label}: ${created.toLocaleString('en-US')} orders`),
      });
    // Waits (within a deadline) for the connections the baseline opens, rather than failing midway.
    const needed = 2 * connections + 4;
    await waitFor(
      () => connectionSlots(context.databases.order),
      (slots) => {
        if (slots.free >= needed) return true;
        progress.update(`waiting for ${needed} free PostgreSQL connections (${slots.free} free; most held by ${slots.heaviest})`);
        return false;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: `${needed} free PostgreSQL connections for the plain SQL baseline`, signal },
    );
    await sql('baseline warm-up', warmupSeconds);
    await settle(context);
    const baseline = await sql('baseline (plain SQL)', seconds);
    await settle(context);
    await system.ensureStandard(signal);
    await httpRun(context, 'warm-up', warmupSeconds);
    await settle(context);
    const before = await readBatchingCounters(system);
    const http = await httpRun(context, 'HTTP intake', seconds);
    await settle(context);
    const batching = batchingBetween(before, await readBatchingCounters(system));
    context.shared.httpIntakeRate = http.rate;

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
    progress.end(`${http.rate.toFixed(0)} orders/s over HTTP vs ${baseline.rate.toFixed(0)} with plain SQL`);
    return {
      measured: {
        'intake.rate': { value: http.rate, baseline: baseline.rate },
        'intake.p99': { value: http.latencyMs.p99, baseline: baseline.latencyMs.p99 },
        'intake.cache-off': { value: cacheOff.rate, baseline: baseline.rate },
      },
      details: { http, cacheOff, baseline, batching },
      markdown: [
        `POST /api/v1/orders over ${connections} keep-alive connections (autocannon, closed loop) for ${seconds} s after a ` +
          `${warmupSeconds} s warm-up, orders spread over the ${context.customerIds.length} seeded customers, with the real ` +
          'customer check against Customer Service and the outbox worker and consumer running. The baseline issues the same ' +
          `SQL (customer lookup, then order + outbox insert in one statement) straight through pg from ${connections} loops ` +
          'with their own connections. Between runs the pipeline is left to drain, so no run pays for the previous one.',
        '',
        '| run | orders/s | p50 ms | p99 ms | failures |',
        '|---|---:|---:|---:|---|',
        row('HTTP, shipped configuration', http.rate, http.latencyMs.p50, http.latencyMs.p99, failures(http)),
        row('HTTP, customer cache off', cacheOff.rate, cacheOff.latencyMs.p50, cacheOff.latencyMs.p99, failures(cacheOff)),
        row('plain SQL baseline', baseline.rate, baseline.latencyMs.p50, baseline.latencyMs.p99, 'none'),
        '',
        `Behind the shipped HTTP run the pipeline ran ${describeBatching(batching)}.`,
      ],
    };
  },
};
