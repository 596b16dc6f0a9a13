import { readFileSync } from 'node:fs';
import { type ProcessExit, type ServiceProcess } from '@orders/test-support';

export interface UnexpectedExit {
  exit: ProcessExit;
  /** The last lines the process wrote, stack traces included. */
  output: string;
}

/**
 * Plays the part of `npm start`'s supervisor (or an orchestrator) for the
 * processes the harness did not stop itself: starts them again after a
 * delay. It tells two kinds of exit apart:
 * - a refused start: the documented one-line exit when PostgreSQL or
 *   RabbitMQ cannot be reached at start, which is expected while a fault is on;
 * - a crash: anything else, e.g. a running process that dies instead of
 *   reconnecting. Crashes are what the suite reports as service bugs.
 */
export function createRestartingSupervisor(options: {
  restartDelayMs: number;
  onEvent?: (line: string) => void;
  onRestarted?: (service: ServiceProcess) => void;
}) {
  const crashes: UnexpectedExit[] = [];
  const refusedStarts: ProcessExit[] = [];
  const pending = new Set<Promise<void>>();
  let stopped = false;

  function onUnexpectedExit(service: ServiceProcess, exit: ProcessExit): void {
    let log = '';
    try {
      log = readFileSync(exit.logFile, 'utf8');
    } catch {
      // No log to show; the exit code still says something.
    }
    const how = exit.signal ?? `code ${exit.code ?? '?'}`;
    const refused = exit.code === 1 && /: cannot reach (PostgreSQL|RabbitMQ) at /.test(log);
    if (refused) {
      refusedStarts.push(exit);
      options.onEvent?.(`${exit.label} (pid ${exit.pid}) refused to start (${how}): ${log.trim().split('\n').at(-1) ?? ''}`);
    } else {
      crashes.push({ exit, output: summariseLog(log) });
      options.onEvent?.(`CRASH ${exit.label} (pid ${exit.pid}) exited with ${how} after ${exit.elapsedMs} ms`);
    }
    if (stopped) return;
    const restart: Promise<void> = new Promise<void>((resolve) => setTimeout(resolve, options.restartDelayMs))
      .then(async () => {
        if (stopped || service.isRunning()) return;
        await service.start();
        options.onEvent?.(`supervisor restarted ${service.label} (pid ${service.pid ?? '?'})`);
        options.onRestarted?.(service);
      })
      // Someone else (the harness) is starting it at this very moment: nothing left to do.
      .catch((error: unknown) => options.onEvent?.(`supervisor did not restart ${service.label}: ${(error as Error).message}`))
      .finally(() => pending.delete(restart));
    pending.add(restart);
  }

  return {
    onUnexpectedExit,
    crashes: (): readonly UnexpectedExit[] => crashes,
    refusedStarts: (): readonly ProcessExit[] => refusedStarts,
    /** Resolves when no restart is waiting to happen. */
    async settled(): Promise<void> {
      while (pending.size > 0) await Promise.all(pending);
    },
    stop(): void {
      stopped = true;
    },
  };
}

export type RestartingSupervisor = ReturnType<typeof createRestartingSupervisor>;

interface LogLine {
  level?: number;
  msg?: string;
  err?: { type?: string; message?: string; stack?: string };
}

/**
 * The error-level lines of a process log, each with its message and the top
 * of its stack: what a reader needs to see why it died, without the noise of
 * pino's serialised clients. Lines that are not JSON (a raw stack on stderr)
 * are kept as they are.
 */
export function summariseLog(log: string, maxLines = 12): string {
  const kept: string[] = [];
  for (const line of log.split('\n')) {
    if (line.trim() === '') continue;
    let parsed: LogLine;
    try {
      parsed = JSON.parse(line) as LogLine;
    } catch {
      kept.push(`  ${line.slice(0, 300)}`);
      continue;
    }
    if ((parsed.level ?? 0) < 50) continue;
    const error = parsed.err === undefined ? '' : `: ${parsed.err.type ?? 'Error'}: ${parsed.err.message ?? ''}`;
    const frames = (parsed.err?.stack ?? '').split('\n').slice(1, 6).map((frame) => `      ${frame.trim()}`);
    kept.push(`  [${parsed.level ?? '?'}] ${parsed.msg ?? ''}${error}`, ...frames);
  }
  return kept.slice(-maxLines * 6).join('\n');
}
