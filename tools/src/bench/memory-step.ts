import { scrapeMetrics, type ServiceRole } from '@orders/test-support';
import type { BenchContext, BenchStep, StepResult } from './bench-step.js';
import { atMost, figure } from './figures.js';
import { fixed, table } from './markdown-table.js';

const ROLES: readonly ServiceRole[] = ['order_service', 'customer_service', 'order_outbox_worker', 'order_created_consumer'];
const GOAL_MB = 150;

/** V8's account at the end of the run: with the peak RSS it tells heap growth apart from buffers outside the heap. */
async function heapOf(context: BenchContext, role: ServiceRole) {
  const totals = await scrapeMetrics(context.system.metricsPort(role));
  const mb = (name: string) => (totals.has(name) ? (totals.get(name) ?? 0) / (1024 * 1024) : undefined);
  return {
    heapTotalMb: mb('nodejs_heap_size_total_bytes'),
    heapUsedMb: mb('nodejs_heap_size_used_bytes'),
    externalMb: mb('nodejs_external_memory_bytes'),
  };
}

export const memoryStep: BenchStep = {
  id: 'memory',
  title: 'memory',
  figures: ROLES.map((role) => figure(`memory.${role}`, `Peak RSS, ${role}`, 'MB', 'bare Node.js process', atMost(GOAL_MB))),

  async run(context: BenchContext): Promise<StepResult> {
    const { monitor, progress, settings } = context;
    if (ROLES.some((role) => !monitor.peaks().has(role))) {
      // Run alone (--only=memory): load the system briefly so the peaks mean something.
      await context.system.ensureStandard(context.signal);
      await context.paced(settings.sustained.rates[0] ?? 100, settings.sustained.seconds, (sent) =>
        progress.update(`loading the system for a peak: ${sent} orders sent`),
      );
      await context.drained(30_000);
    }
    monitor.sample();
    const peaks = monitor.peaks();
    const heaps = new Map(await Promise.all(ROLES.map(async (role) => [role, await heapOf(context, role)] as const)));
    const bare = peaks.get('bare_node');
    progress.end(ROLES.map((role) => `${role} ${peaks.get(role)?.peakMb.toFixed(0) ?? '?'} MB`).join(', '));
    const measured = (role: ServiceRole) => {
      const peak = peaks.get(role);
      return { value: peak?.peakMb ?? null, baseline: bare?.peakMb ?? null, ...(peak ? { note: `peak in step: ${peak.step}` } : {}) };
    };
    return {
      measured: Object.fromEntries(ROLES.map((role) => [`memory.${role}`, measured(role)])),
      details: { peaks: Object.fromEntries(peaks), heapsAtEnd: Object.fromEntries(heaps) },
      markdown: [
        'VmHWM (the kernel\'s peak resident set) and VmRSS of every service process, from /proc/<pid>/status four times a second ' +
          'for the whole run; per service, the highest over all its copies and restarts. Baseline: a bare Node.js process with an ' +
          "empty event loop. Heap columns: V8's figures (Prometheus default metrics) of the copy running at the end of the run.",
        '',
        ...table('process | at start MB: | peak MB: | peak seen in step | heap total / used MB at end: | external MB at end: | goal', [
          ...ROLES.map((role) => {
            const [peak, heap] = [peaks.get(role), heaps.get(role)];
            return [
              role,
              fixed(peak?.startMb, 1),
              fixed(peak?.peakMb, 1),
              peak?.step ?? '—',
              `${fixed(heap?.heapTotalMb, 1)} / ${fixed(heap?.heapUsedMb, 1)}`,
              fixed(heap?.externalMb, 1),
              `≤ ${GOAL_MB} MB`,
            ];
          }),
          ['bare Node.js (baseline)', fixed(bare?.startMb, 1), fixed(bare?.peakMb, 1), '—', '—', '—', '—'],
        ]),
      ],
    };
  },
};
