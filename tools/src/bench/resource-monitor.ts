import { readMemory } from '@orders/test-support';

/** `group`: the service role peaks are reported by, whichever copy; until `ready` a process is still loading (its size then is no resting size). */
interface Watched {
  label: string;
  group: string;
  pid: number;
  ready: boolean;
}

export interface MemoryPeak {
  peakMb: number;
  /** Resident memory when the service was first seen ready: its size before any work. */
  startMb: number | undefined;
  /** The step in which the peak was seen. */
  step: string;
}

/**
 * Samples the resident memory of every watched process four times a second
 * for the whole run. It reads VmHWM (the kernel's own high-water mark), so a
 * peak between two samples is not missed; sampling is needed only because
 * processes come and go between steps.
 */
export function createResourceMonitor(watched: () => Watched[]) {
  const peaks = new Map<string, MemoryPeak>();
  let step = 'setup';
  const sample = () => {
    for (const target of watched()) {
      const memory = readMemory(target.pid);
      if (memory === undefined) continue;
      const known = peaks.get(target.group);
      const startMb = known?.startMb ?? (target.ready ? memory.rssKb / 1024 : undefined);
      const peakMb = Math.max(memory.peakKb, memory.rssKb) / 1024;
      peaks.set(target.group, known === undefined || peakMb > known.peakMb ? { peakMb, startMb, step } : { ...known, startMb });
    }
  };
  const timer = setInterval(sample, 250);
  timer.unref();
  return {
    /** Peaks seen from here on are this step's. */
    enterStep: (name: string) => {
      sample();
      step = name;
    },
    stop: () => {
      sample();
      clearInterval(timer);
    },
    peaks: () => {
      sample();
      return new Map(peaks);
    },
  };
}
