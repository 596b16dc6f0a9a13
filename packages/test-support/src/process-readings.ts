import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** A file of /proc/<pid>/, or undefined once the process is gone (or not ours to read). */
function procFile(pid: number, name: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'utf8');
  } catch {
    return undefined;
  }
}

/** Resident memory in kB. VmHWM is the peak resident set since the process started, so no peak falls between two samples. */
export function readMemory(pid: number): { rssKb: number; peakKb: number } | undefined {
  const status = procFile(pid, 'status') ?? '';
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  const memory = { rssKb: field('VmRSS'), peakKb: field('VmHWM') };
  return Number.isFinite(memory.rssKb) && Number.isFinite(memory.peakKb) ? memory : undefined;
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User plus system CPU seconds of a process so far, from /proc/<pid>/stat. */
export function readCpuSeconds(pid: number): number | undefined {
  const stat = procFile(pid, 'stat');
  // The command name (field 2) is in parentheses and may hold spaces: utime and stime (fields 14 and 15) are 11 and 12 after it.
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ') ?? [];
  const seconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  return Number.isFinite(seconds) ? seconds : undefined;
}

/** Processes with an argument `<prefix><value>` (a run marker), with the value: how a harness finds what an earlier run left. */
export function processesWithArgument(prefix: string): Array<{ pid: number; value: string }> {
  return readdirSync('/proc').flatMap((name) => {
    const argument = /^\d+$/.test(name) ? procFile(Number(name), 'cmdline')?.split('\0').find((part) => part.startsWith(prefix)) : undefined;
    return argument === undefined ? [] : [{ pid: Number(name), value: argument.slice(prefix.length) }];
  });
}
