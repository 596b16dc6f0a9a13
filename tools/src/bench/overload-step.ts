import { eventually, readMemory } from '@orders/test-support';
import { round, type BenchStep } from './bench-step.js';
import { figuresOf } from './figures.js';

const peakMbOf = (pid: number | undefined) => (pid === undefined ? Number.NaN : (readMemory(pid)?.peakKb ?? Number.NaN) / 1024);

/** Every connection sends its next order as soon as it has an answer: the load only grows with the connections. */
export const overloadStep: BenchStep = {
  id: 'overload',
  title: 'overload',
  figures: figuresOf('overload'),

  async run(context) {
    const { system, signal, shared } = context;
    const { connections, seconds } = context.settings.overload;
    await system.ensureStandard(signal);
    const service = await system.restart('order_service', signal);
    // Warm, as a service under load would be: compiled code and the customer cache filled.
    await context.load(32, 1);
    await context.drained();
    const shedBefore = (await context.counters()).shed;
    const result = await context.load(connections, seconds);
    // Orders admitted before the load stopped still commit after it: wait for them, or a later step's queue purge takes their events.
    const idle = { timeoutMs: 30_000, intervalMs: 50, what: 'order_service to answer the orders it admitted', signal };
    const shed = (await eventually(context.counters, (counters) => counters.inFlight === 0, idle)).shed - shedBefore;
    const peakMb = peakMbOf(service.pid);
    await context.drained();
    // Every answer but a 201 should be a shed (503 overloaded): a 503 for another reason, or any other status, is not.
    // (The service may count a few more sheds than autocannon: answers still on the wire when the run stops.)
    const count = (status: string) => result.statusCodes[status] ?? 0;
    const others = Object.entries(result.statusCodes).filter(([status]) => status !== '201' && status !== '503');
    const unexpected = others.reduce((total, [, answers]) => total + answers, 0) + Math.max(0, count('503') - shed) + result.errors;
    const statuses = Object.entries(result.statusCodes).map(([status, answers]) => `${status}: ${answers.toLocaleString('en-US')}`);
    return {
      measured: {
        'overload.p99': { value: result.latencyMs.p99, baseline: shared.httpIntakeP99Ms ?? null, note: statuses.join(', ') },
        'overload.unexpected': { value: unexpected, baseline: null, note: `${shed} shed as overloaded, ${result.errors} socket errors` },
        'overload.accepted': { value: result.rate, baseline: shared.httpIntakeRate ?? null },
        'overload.rss': { value: peakMb, baseline: peakMbOf(context.referencePid) },
      },
      method:
        `As the intake step, but over ${connections} connections for ${seconds} s, right after a fresh start of order_service (so its ` +
        "peak resident set is this step's). A 503 is the admission control refusing an order it has no room for (`overloaded`, " +
        'Retry-After); latencies are over every answer, 201 and 503 alike.',
      rows: [
        {
          answers: result.created + result.non2xx,
          'created (201)': count('201'),
          'refused (503)': count('503'),
          'of them shed': shed,
          'other / errors': unexpected,
          'p50 ms': round(result.latencyMs.p50, 1),
          'p99 ms': round(result.latencyMs.p99, 1),
          'max ms': round(result.latencyMs.max),
          'order_service peak RSS MB': round(peakMb),
        },
      ],
    };
  },
};
