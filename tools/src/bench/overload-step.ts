import type { BenchContext, BenchStep, StepResult } from './bench-step.js';
import { placeOrdersAsFastAsPossible } from './http-load.js';
import { orderRequestBodies } from './order-events.js';
import { readMemory } from './proc-stats.js';
import { scrapeMetrics } from './service-metrics.js';

const KB_PER_MB = 1024;

/** 503 overloaded answers so far, from order_service's own counter. */
async function shedCount(context: BenchContext): Promise<number> {
  return (await scrapeMetrics(context.system.metricsPort('order_service'))).get('order_intake_shed_total') ?? 0;
}

/**
 * Far more clients than the machine can serve: every connection sends its
 * next order as soon as it has an answer, so the offered load only grows
 * with the number of connections. The service must answer what it can at a
 * bounded latency and refuse the rest at once (503 overloaded with
 * Retry-After), with bounded memory. order_service is restarted first, so
 * its VmHWM (the kernel's peak resident set) is the peak of this step.
 */
export const overloadStep: BenchStep = {
  id: 'overload',
  title: 'overload',
  figures: [
    {
      id: 'overload.p99',
      title: 'Overload, 512 connections: p99 of all answers',
      unit: 'ms',
      baselineLabel: 'p99 at 32 connections (intake step)',
      goal: { kind: 'at-most', limit: 200 },
    },
    {
      id: 'overload.unexpected',
      title: 'Overload: answers other than 201 and 503 overloaded, and socket errors',
      unit: 'answers',
      baselineLabel: '—',
      goal: { kind: 'at-most', limit: 0 },
    },
    {
      id: 'overload.accepted',
      title: 'Overload: orders accepted',
      unit: 'orders/s',
      baselineLabel: 'HTTP intake at 32 connections',
      goal: { kind: 'none' },
    },
    {
      id: 'overload.rss',
      title: 'Overload: order_service peak RSS',
      unit: 'MB',
      baselineLabel: 'bare Node.js process',
      goal: { kind: 'at-most', limit: 150 },
    },
  ],

  async run(context: BenchContext): Promise<StepResult> {
    const { settings, system, progress, signal } = context;
    const { connections, seconds } = settings.overload;
    await system.ensureStandard(signal);
    const service = await system.restart('order_service', signal);
    const load = (label: string, clients: number, loadSeconds: number) =>
      placeOrdersAsFastAsPossible({
        baseUrl: system.orderServiceUrl,
        connections: clients,
        seconds: loadSeconds,
        bodies: orderRequestBodies(context.customerIds),
        signal,
        onTick: (responses) => progress.update(`${label}: ${responses.toLocaleString('en-US')} answers`),
      });
    // Warm, as a service under load would be: compiled code and the customer cache filled.
    await load('warm-up, 32 connections', 32, 1);
    await context.backlog.waitUntilDrained(60_000, signal);
    const shedBefore = await shedCount(context);
    const result = await load(`${connections} connections`, connections, seconds);
    const shed = (await shedCount(context)) - shedBefore;
    const count = (status: string) => result.statusCodes[status] ?? 0;
    const peakMb = (readMemory(service.pid ?? Number.NaN)?.peakKb ?? Number.NaN) / KB_PER_MB;
    const bareMb = context.referencePid === undefined ? null : (readMemory(context.referencePid)?.peakKb ?? Number.NaN) / KB_PER_MB;
    await context.backlog.waitUntilDrained(60_000, signal);

    // Every answer but a 201 should be a shed (503 overloaded): a 503 for another reason, or any other status, is not.
    // (The service may count a few more sheds than autocannon: answers still on the wire when the run stops.)
    const otherStatuses = Object.entries(result.statusCodes)
      .filter(([status]) => status !== '201' && status !== '503')
      .reduce((total, [, answers]) => total + answers, 0);
    const unexpected = otherStatuses + Math.max(0, count('503') - shed) + result.errors;
    const statuses = Object.entries(result.statusCodes)
      .map(([status, answers]) => `${status}: ${answers.toLocaleString('en-US')}`)
      .join(', ');
    progress.end(`p99 ${result.latencyMs.p99.toFixed(0)} ms, ${statuses}, peak RSS ${peakMb.toFixed(0)} MB`);
    return {
      measured: {
        'overload.p99': { value: result.latencyMs.p99, baseline: context.shared.httpIntakeP99Ms ?? null, note: statuses },
        'overload.unexpected': { value: unexpected, baseline: null, note: `${shed} shed as overloaded, ${result.errors} socket errors` },
        'overload.accepted': { value: result.rate, baseline: context.shared.httpIntakeRate ?? null },
        'overload.rss': { value: peakMb, baseline: bareMb },
      },
      details: { connections, seconds, result, peakMb },
      markdown: [
        `POST /api/v1/orders over ${connections} keep-alive connections (autocannon, closed loop) for ${seconds} s, right after a ` +
          'fresh start of order_service (so its peak resident set is this step\'s). A 503 is the admission control refusing an ' +
          'order it has no room for (`overloaded`, with Retry-After); the latency columns are over every answer, 201 and 503 alike.',
        '',
        '| answers | 201 | 503 (of them overloaded) | other / errors | p50 ms | p99 ms | max ms | order_service peak RSS |',
        '|---:|---:|---:|---:|---:|---:|---:|---:|',
        `| ${(result.created + result.non2xx).toLocaleString('en-US')} | ${count('201').toLocaleString('en-US')} | ${count('503').toLocaleString('en-US')} (${shed.toLocaleString('en-US')}) | ` +
          `${unexpected} | ${result.latencyMs.p50.toFixed(1)} | ${result.latencyMs.p99.toFixed(1)} | ${result.latencyMs.max.toFixed(0)} | ${peakMb.toFixed(0)} MB |`,
      ],
    };
  },
};
