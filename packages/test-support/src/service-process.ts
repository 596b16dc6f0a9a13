import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, HopelessWait } from './eventually.js';

export type ServiceRole = 'customer_service' | 'order_service' | 'order_outbox_worker' | 'order_created_consumer';

export interface ProcessExit {
  label: string;
  incarnation: number;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The signal the harness sent, if it asked for this exit; undefined means the process left by itself. */
  requested: NodeJS.Signals | undefined;
  /** From the signal (or from the start, when nobody asked) to the exit. */
  elapsedMs: number;
  logFile: string;
}

export interface ServiceSpec {
  label: string;
  role: ServiceRole;
  /**
   * Called at every start: a worker or consumer takes a fresh ops port each
   * time, while the APIs keep theirs so clients and peers find them again.
   */
  environment(): Promise<{ env: Record<string, string | undefined>; healthPort: number; nodeOptions?: readonly string[] }>;
}

export interface ServiceProcess {
  readonly label: string;
  readonly role: ServiceRole;
  readonly pid: number | undefined;
  /** The port the current incarnation serves /health and /metrics on. */
  readonly healthPort: number | undefined;
  /** The current incarnation has answered /health/ready. */
  readonly ready: boolean;
  /** Every incarnation's exit, in order. */
  readonly exits: readonly ProcessExit[];
  isRunning(): boolean;
  /** Spawns a new incarnation; resolves once it is spawned, not once it is ready. */
  start(): Promise<void>;
  waitUntilReady(timeoutMs?: number, signal?: AbortSignal): Promise<void>;
  /** Sends `signal` and resolves with the exit; SIGKILL after `graceMs` if it has not exited by then. */
  stop(signal: 'SIGKILL' | 'SIGTERM', graceMs?: number): Promise<ProcessExit>;
  /** The last lines the current (or last) incarnation wrote to stdout and stderr. */
  recentOutput(lines?: number): string;
  /** Every incarnation's log file, in order. */
  logFiles(): string[];
}

/** What a process needs from its group: a way to spawn, where logs go, and who hears an unasked exit. */
export interface ProcessHost {
  logDirectory: string;
  spawn(spec: ServiceSpec, logFile: string, env: Record<string, string | undefined>, nodeOptions: readonly string[]): ChildProcess;
  /** The children alive now, killed when the harness exits. */
  live: Set<ChildProcess>;
  onUnexpectedExit?: (process: ServiceProcess, exit: ProcessExit) => void;
}

interface Incarnation {
  number: number;
  child: ChildProcess;
  pid: number;
  logFile: string;
  healthPort: number;
  startedAt: number;
  ready: boolean;
  requested: { signal: NodeJS.Signals; at: number } | undefined;
  exited: Promise<ProcessExit>;
}

function lastLines(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function answersReady(url: string): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.status;
  } catch {
    return 0;
  }
}

/** Reads the incarnation when the exit comes: by then its `requested` says whether the harness asked. */
function exitOf(label: string, incarnation: Incarnation, code: number | null, signal: NodeJS.Signals | null): ProcessExit {
  const requested = incarnation.requested;
  return {
    label,
    incarnation: incarnation.number,
    pid: incarnation.pid,
    code,
    signal,
    requested: requested?.signal,
    elapsedMs: Date.now() - (requested?.at ?? incarnation.startedAt),
    logFile: incarnation.logFile,
  };
}

async function stopIncarnation(incarnation: Incarnation, signal: NodeJS.Signals, graceMs: number): Promise<ProcessExit> {
  incarnation.requested = { signal, at: Date.now() };
  incarnation.child.kill(signal);
  const killer = setTimeout(() => incarnation.child.kill('SIGKILL'), graceMs);
  try {
    return await incarnation.exited;
  } finally {
    clearTimeout(killer);
  }
}

async function waitForReady(
  member: ServiceProcess,
  incarnation: Incarnation,
  current: () => Incarnation | undefined,
  timeoutMs: number,
  signal?: AbortSignal,
) {
  const url = `http://127.0.0.1:${incarnation.healthPort}/health/ready`;
  await eventually(
    async () => {
      if (current() !== incarnation) throw new HopelessWait(`${member.label} exited while starting; its output:\n${member.recentOutput(20)}`);
      return answersReady(url);
    },
    (status) => status === 200,
    { timeoutMs, intervalMs: 50, what: `${member.label} to be ready at ${url}`, signal },
  );
  incarnation.ready = true;
}

/** One service of a group, started again and again: each start is an incarnation with a log file of its own. */
export function createServiceProcess(spec: ServiceSpec, host: ProcessHost): ServiceProcess {
  let current: Incarnation | undefined;
  let last: Incarnation | undefined;
  // Set from the call to the spawn, so two callers (a supervisor and a fault) never start two copies.
  let starting = false;
  const exits: ProcessExit[] = [];
  const logFiles: string[] = [];

  function spawnIncarnation(environment: Awaited<ReturnType<ServiceSpec['environment']>>): Incarnation {
    const number = logFiles.length + 1;
    const logFile = join(host.logDirectory, `${spec.label.replace(/[^\w.-]/g, '-')}.${number}.log`);
    logFiles.push(logFile);
    const child = host.spawn(spec, logFile, environment.env, environment.nodeOptions ?? []);
    // Without a listener a failed spawn would throw from an event; the exit handler reports it.
    child.on('error', () => undefined);
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${spec.label}`);
    host.live.add(child);
    const incarnation: Incarnation = {
      number,
      child,
      pid,
      logFile,
      healthPort: environment.healthPort,
      startedAt: Date.now(),
      ready: false,
      requested: undefined,
      exited: new Promise<ProcessExit>((resolve) => {
        child.once('exit', (code, signal) => {
          host.live.delete(child);
          const exit = exitOf(spec.label, incarnation, code, signal);
          exits.push(exit);
          if (current === incarnation) current = undefined;
          resolve(exit);
          if (exit.requested === undefined) host.onUnexpectedExit?.(member, exit);
        });
      }),
    };
    return incarnation;
  }

  const member: ServiceProcess = {
    label: spec.label,
    role: spec.role,
    get pid() {
      return current?.pid;
    },
    get healthPort() {
      return current?.healthPort;
    },
    get ready() {
      return current?.ready ?? false;
    },
    exits,
    isRunning: () => current !== undefined,
    logFiles: () => [...logFiles],
    async start() {
      if (current !== undefined || starting) throw new Error(`${spec.label} is already running or starting`);
      starting = true;
      let environment;
      try {
        environment = await spec.environment();
      } finally {
        starting = false;
      }
      current = last = spawnIncarnation(environment);
    },
    async waitUntilReady(timeoutMs = 30_000, signal?: AbortSignal) {
      if (current === undefined) throw new Error(`${spec.label} is not running`);
      await waitForReady(member, current, () => current, timeoutMs, signal);
    },
    async stop(signal, graceMs = 20_000) {
      if (current === undefined) throw new Error(`${spec.label} is not running`);
      return stopIncarnation(current, signal, graceMs);
    },
    recentOutput: (lines = 30) => {
      const incarnation = current ?? last;
      return incarnation === undefined ? '' : lastLines(incarnation.logFile, lines);
    },
  };
  return member;
}
