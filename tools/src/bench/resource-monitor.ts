import { readMemory } from '@orders/test-support';

interface Watched {
  label: string;
  /** What peaks are reported by: the service role, whichever copy it was. */
  group: string;
  pid: number;
  /** Until then the process is still loading: its memory counts for the peak, not as its resting size. */
  ready: boolean;
}

export interface MemoryPeak {
  peakMb: number;
  /** Resident memory when the service was first seen ready: its size before any work. */
  startMb: number | undefined;
  /** The copy (label) and the step in which the peak was seen. */
  label: string;
  step: string;
}

/**
 * Samples the resident memory of every watched process a few times a second
 * for the whole run. It reads VmHWM (the kernel's own high-water mark), so a
 * peak between two samples is not missed; sampling is needed only because
 * processes come and go between steps.
 */
export function createResourceMonitor(watched: () => Watched[]) {
  const peaks = new Map<string, MemoryPeak>();
  let step = 'setup';
  const timer = setInterval(sample, 250);
  timer.unref();

  function sample(): void {
    for (const target of watched()) {
      const memory = readMemory(target.pid);
      if (memory === undefined) continue;
      const peakMb = Math.max(memory.peakKb, memory.rssKb) / 1024;
      const known = peaks.get(target.group);
      const startMb = known?.startMb ?? (target.ready ? memory.rssKb / 1024 : undefined);
      if (known === undefined || peakMb > known.peakMb) peaks.set(target.group, { peakMb, startMb, label: target.label, step });
      else if (known.startMb === undefined) peaks.set(target.group, { ...known, startMb });
    }
  }

  return {
    /** Peaks seen from here on are attributed to this step. */
    enterStep(name: string): void {
      sample();
      step = name;
    },
    sample,
    stop(): void {
      sample();
      clearInterval(timer);
    },
    peaks: () => new Map(peaks),
  };
}
