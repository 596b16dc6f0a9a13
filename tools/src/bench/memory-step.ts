import { scrapeMetrics, type ServiceRole } from '@orders/test-support';
import { round, type BenchStep } from './bench-step.js';
import { figuresOf } from './figures.js';

const ROLES: readonly ServiceRole[] = ['order_service', 'customer_service', 'order_outbox_worker', 'order_created_consumer'];

export const memoryStep: BenchStep = {
  id: 'memory',
  title: 'memory',
  figures: figuresOf('memory'),

  async run(context) {
    const { monitor, settings, system } = context;
    if (ROLES.some((role) => !monitor.peaks().has(role))) {
      // Run alone (--only=memory): load the system briefly so the peaks mean something.
      await system.ensureStandard(context.signal);
      await context.paced(settings.sustained.rates[0] ?? 100, settings.sustained.seconds);
      await context.drained(30_000);
    }
    const peaks = monitor.peaks();
    const bare = peaks.get('bare_node');
    // V8's account at the end of the run: next to the peak RSS it tells heap growth apart from buffers outside the heap.
    const heaps = await Promise.all(ROLES.map((role) => scrapeMetrics(system.metricsPort(role))));
    const mb = (index: number, name: string) => round((heaps[index]?.get(name) ?? Number.NaN) / 2 ** 20, 1);
    const row = (process: string, index: number) => ({
      process,
      'at start MB': round(peaks.get(process)?.startMb, 1),
      'peak MB': round(peaks.get(process)?.peakMb, 1),
      'peak seen in step': peaks.get(process)?.step ?? null,
      'heap total MB at end': mb(index, 'nodejs_heap_size_total_bytes'),
      'heap used MB at end': mb(index, 'nodejs_heap_size_used_bytes'),
      'external MB at end': mb(index, 'nodejs_external_memory_bytes'),
    });
    const measured = (role: ServiceRole) => {
      const peak = peaks.get(role);
      return { value: peak?.peakMb ?? null, baseline: bare?.peakMb ?? null, ...(peak ? { note: `peak in step: ${peak.step}` } : {}) };
    };
    return {
      measured: Object.fromEntries(ROLES.map((role) => [`memory.${role}`, measured(role)])),
      method:
        "VmHWM (the kernel's peak resident set) and VmRSS of every service process, from /proc/<pid>/status four times a second for the " +
        'whole run; per service the highest over all its copies and restarts. Baseline: a bare Node.js process with an empty event loop. ' +
        "Heap columns: V8's figures (Prometheus default metrics) of the copy running at the end.",
      rows: [...ROLES.map(row), row('bare_node', -1)],
    };
  },
};
