import type { BenchContext, BenchStep, StepResult } from './bench-step.js';
import { orderRequestBodies } from './order-events.js';
import { placeOrdersAtRate } from './paced-load.js';
import type { Role } from './bench-system.js';
import { scrapeMetrics } from './service-metrics.js';

const ROLES: readonly Role[] = ['order_service', 'customer_service', 'order_outbox_worker', 'order_created_consumer'];
const GOAL_MB = 150;
const BYTES_PER_MB = 1024 * 1024;

interface HeapReading {
  heapTotalMb: number | undefined;
  heapUsedMb: number | undefined;
  externalMb: number | undefined;
}

/**
 * V8's own account of each service at the end of the run (from its Prometheus
 * default metrics): with the peak RSS it tells heap growth apart from
 * buffers held outside the heap.
 */
async function heapOf(context: BenchContext, role: Role): Promise<HeapReading> {
  const totals = await scrapeMetrics(context.system.metricsPort(role));
  const mb = (name: string) => {
    const bytes = totals.get(name);
    return bytes === undefined ? undefined : bytes / BYTES_PER_MB;
  };
  return { heapTotalMb: mb('nodejs_heap_size_total_bytes'), heapUsedMb: mb('nodejs_heap_size_used_bytes'), externalMb: mb('nodejs_external_memory_bytes') };
}

/**
 * Peak resident memory of each service over the whole run, sampled by the
 * resource monitor while every other step loaded the system. The baseline
 * is a bare Node.js process (an empty event loop): what any process of this
 * runtime costs before it does anything.
 */
export const memoryStep: BenchStep = {
  id: 'memory',
  title: 'memory',
  figures: ROLES.map((role) => ({
    id: `memory.${role}`,
    title: `Peak RSS, ${role}`,
    unit: 'MB',
    baselineLabel: 'bare Node.js process',
    goal: { kind: 'at-most', limit: GOAL_MB },
  })),

  async run(context: BenchContext): Promise<StepResult> {
    const { monitor, system, progress, signal } = context;
    if (ROLES.some((role) => !monitor.peaks().has(role))) {
      // Run alone (--only=memory): load the system briefly so the peaks mean something.
      await system.ensureStandard(signal);
      await placeOrdersAtRate({
        baseUrl: system.orderServiceUrl,
        rate: context.settings.sustained.rates[0] ?? 100,
        seconds: context.settings.sustained.seconds,
        bodies: orderRequestBodies(context.customerIds),
        signal,
        onTick: (sent) => progress.update(`loading the system for a peak: ${sent} orders sent`),
      });
      await context.backlog.waitUntilDrained(30_000, signal);
    }
    monitor.sample();
    const peaks = monitor.peaks();
    const heaps = new Map(await Promise.all(ROLES.map(async (role) => [role, await heapOf(context, role)] as const)));
    const bare = peaks.get('bare_node')?.peakMb ?? null;
    const mb = (value: number | undefined) => value?.toFixed(1) ?? '—';
    progress.end(ROLES.map((role) => `${role} ${peaks.get(role)?.peakMb.toFixed(0) ?? '?'} MB`).join(', '));
    return {
      measured: Object.fromEntries(
        ROLES.map((role) => {
          const peak = peaks.get(role);
          return [`memory.${role}`, { value: peak?.peakMb ?? null, baseline: bare, ...(peak ? { note: `peak in step: ${peak.step}` } : {}) }];
        }),
      ),
      details: { peaks: Object.fromEntries(peaks), heapsAtEnd: Object.fromEntries(heaps) },
      markdown: [
        'VmHWM (peak resident set, kept by the kernel) and VmRSS of every service process, read from /proc/<pid>/status ' +
          'four times a second for the whole run; per service, the highest value over all its copies and restarts. The ' +
          'baseline is a bare Node.js process with an empty event loop, started by the bench. The heap columns are V8\'s ' +
          'figures (Prometheus default metrics) of the copy running at the end of the run.',
        '',
        '| process | at start MB | peak MB | peak seen in step | heap total / used MB at end | external MB at end | goal |',
        '|---|---:|---:|---|---:|---:|---|',
        ...ROLES.map((role) => {
          const peak = peaks.get(role);
          const heap = heaps.get(role);
          return (
            `| ${role} | ${mb(peak?.startMb)} | ${mb(peak?.peakMb)} | ${peak?.step ?? '—'} | ` +
            `${mb(heap?.heapTotalMb)} / ${mb(heap?.heapUsedMb)} | ${mb(heap?.externalMb)} | ≤ ${GOAL_MB} MB |`
          );
        }),
        `| bare Node.js (baseline) | ${mb(peaks.get('bare_node')?.startMb)} | ${mb(bare ?? undefined)} | — | — | — | — |`,
      ],
    };
  },
};
