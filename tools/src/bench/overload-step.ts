import { eventually, readMemory } from '@orders/test-support';
import type { BenchContext, BenchStep, StepResult } from './bench-step.js';
import { atMost, figure, NO_GOAL } from './figures.js';
import { fixed, table, thousands } from './markdown-table.js';
import { readCounters } from './service-metrics.js';

const peakMbOf = (pid: number | undefined) => (pid === undefined ? null : (readMemory(pid)?.peakKb ?? Number.NaN) / 1024);

/** Every connection sends its next order as soon as it has an answer: the load only grows with the connections. */
export const overloadStep: BenchStep = {
  id: 'overload',
  title: 'overload',
  figures: [
    figure('overload.p99', 'Overload, 512 connections: p99 of all answers', 'ms', 'p99 at 32 connections (intake step)', atMost(200)),
    figure('overload.unexpected', 'Overload: answers other than 201 and 503 overloaded, and socket errors', 'answers', '—', atMost(0)),
    figure('overload.accepted', 'Overload: orders accepted', 'orders/s', 'HTTP intake at 32 connections', NO_GOAL),
    figure('overload.rss', 'Overload: order_service peak RSS', 'MB', 'bare Node.js process', atMost(150)),
  ],

  async run(context: BenchContext): Promise<StepResult> {
    const { system, progress, signal } = context;
    const { connections, seconds } = context.settings.overload;
    await system.ensureStandard(signal);
    const service = await system.restart('order_service', signal);
    // Warm, as a service under load would be: compiled code and the customer cache filled.
    await context.load('warm-up, 32 connections', 32, 1);
    await context.drained();
    const shedBefore = (await readCounters(system)).shed;
    const result = await context.load(`${connections} connections`, connections, seconds);
    // Orders admitted before the load stopped still commit after it: wait for them, or the drain
    // below misses them and a later step's queue purge takes their events.
    const settled = await eventually(
      () => readCounters(system),
      (counters) => counters.inFlight === 0,
      { timeoutMs: 30_000, intervalMs: 50, what: 'order_service to answer the orders it admitted', signal },
    );
    const shed = settled.shed - shedBefore;
    const count = (status: string) => result.statusCodes[status] ?? 0;
    const peakMb = peakMbOf(service.pid ?? Number.NaN) ?? Number.NaN;
    const bareMb = peakMbOf(context.referencePid);
    await context.drained();

    // Every answer but a 201 should be a shed (503 overloaded): a 503 for another reason, or any other status, is not.
    // (The service may count a few more sheds than autocannon: answers still on the wire when the run stops.)
    const others = Object.entries(result.statusCodes).filter(([status]) => status !== '201' && status !== '503');
    const unexpected = others.reduce((total, [, answers]) => total + answers, 0) + Math.max(0, count('503') - shed) + result.errors;
    const statuses = Object.entries(result.statusCodes).map(([status, answers]) => `${status}: ${thousands(answers)}`).join(', ');
    const { p50, p99, max } = result.latencyMs;
    progress.end(`p99 ${fixed(p99)} ms, ${statuses}, peak RSS ${fixed(peakMb)} MB`);
    return {
      measured: {
        'overload.p99': { value: p99, baseline: context.shared.httpIntakeP99Ms ?? null, note: statuses },
        'overload.unexpected': { value: unexpected, baseline: null, note: `${shed} shed as overloaded, ${result.errors} socket errors` },
        'overload.accepted': { value: result.rate, baseline: context.shared.httpIntakeRate ?? null },
        'overload.rss': { value: peakMb, baseline: bareMb },
      },
      details: { connections, seconds, result, peakMb },
      markdown: [
        `Load: as in the intake step, but over ${connections} connections for ${seconds} s, right after a fresh start of ` +
          "order_service (so its peak resident set is this step's). Baselines: the intake step at 32 connections; for memory a bare " +
          'Node.js process. A 503 is the admission control refusing an order it has no room for (`overloaded`, Retry-After); ' +
          'latencies are over every answer, 201 and 503 alike.',
        '',
        ...table('answers: | 201: | 503 (of them overloaded): | other / errors: | p50 ms: | p99 ms: | max ms: | order_service peak RSS:', [
          [
            thousands(result.created + result.non2xx),
            thousands(count('201')),
            `${thousands(count('503'))} (${thousands(shed)})`,
            unexpected,
            fixed(p50, 1),
            fixed(p99, 1),
            fixed(max),
            `${fixed(peakMb)} MB`,
          ],
        ]),
      ],
    };
  },
};
