import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, HopelessWait } from './eventually.js';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

export type ServiceRole = 'customer_service' | 'order_service' | 'order_outbox_worker' | 'order_created_consumer';

/** How `npm start` runs each process (its table, its Node flags): the harness runs what ships. */
export interface LaunchTable {
  processes: readonly { name: string; entry: string }[];
  nodeFlags: readonly string[];
}

/** A fresh directory for one run's process logs; it is kept so a failure can be read afterwards. */
export function makeLogDirectory(label: string): string {
  return mkdtempSync(join(tmpdir(), `${label}-`));
}

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

export interface ServiceGroupOptions {
  logDirectory: string;
  launch: LaunchTable;
  /** Arguments after the entry, e.g. a marker by which a later run finds this run's orphans. */
  arguments?: readonly string[];
  /** A process group of its own, so a Ctrl-C in the terminal reaches only the harness, which stops the services in order. */
  detached?: boolean;
  /** A process that exits without being asked; the harness decides whether that is a crash. */
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

/**
 * The service processes of one test or bench run, each a separate OS process
 * started from its compiled entry, with stdout and stderr in one log file per
 * incarnation (so a crash's stack can be read after the run). Every child is
 * killed when the harness exits, however it exits.
 */
export function createServiceGroup(options: ServiceGroupOptions) {
  const members: ServiceProcess[] = [];
  const live = new Set<ChildProcess>();
  const killLeftovers = () => {
    for (const child of live) child.kill('SIGKILL');
  };
  process.once('exit', killLeftovers);

  function entryOf(role: ServiceRole): string {
    const spec = options.launch.processes.find((candidate) => candidate.name === role);
    if (spec === undefined) throw new Error(`npm start does not know a process called ${role}`);
    return spec.entry;
  }

  function spawnLogged(spec: ServiceSpec, logFile: string, env: Record<string, string | undefined>, nodeOptions: readonly string[]): ChildProcess {
    const output = openSync(logFile, 'a');
    try {
      return spawn(process.execPath, [...options.launch.nodeFlags, ...nodeOptions, entryOf(spec.role), ...(options.arguments ?? [])], {
        cwd: repositoryRoot,
        env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
        stdio: ['ignore', output, output],
        detached: options.detached ?? false,
      });
    } finally {
      closeSync(output);
    }
  }

  function add(spec: ServiceSpec): ServiceProcess {
    let current: Incarnation | undefined;
    let last: Incarnation | undefined;
    // Set from the call to the spawn, so two callers (a supervisor and a fault) never start two copies.
    let starting = false;
    const exits: ProcessExit[] = [];
    const logFiles: string[] = [];

    // Reads the incarnation when the exit comes: by then its `requested` says whether the harness asked.
    function watchExit(child: ChildProcess, incarnationOf: () => Incarnation): Promise<ProcessExit> {
      return new Promise<ProcessExit>((resolve) => {
        child.once('exit', (code, signal) => {
          live.delete(child);
          const incarnation = incarnationOf();
          const requested = incarnation.requested;
          const exit: ProcessExit = {
            label: spec.label,
            incarnation: incarnation.number,
            pid: incarnation.pid,
            code,
            signal,
            requested: requested?.signal,
            elapsedMs: Date.now() - (requested?.at ?? incarnation.startedAt),
            logFile: incarnation.logFile,
          };
          exits.push(exit);
          if (current === incarnation) current = undefined;
          resolve(exit);
          if (requested === undefined) options.onUnexpectedExit?.(member, exit);
        });
      });
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
        const number = logFiles.length + 1;
        const logFile = join(options.logDirectory, `${spec.label.replace(/[^\w.-]/g, '-')}.${number}.log`);
        logFiles.push(logFile);
        const child = spawnLogged(spec, logFile, environment.env, environment.nodeOptions ?? []);
        // Without a listener a failed spawn would throw from an event; the exit handler reports it.
        child.on('error', () => undefined);
        const pid = child.pid;
        if (pid === undefined) throw new Error(`could not start ${spec.label}`);
        live.add(child);
        const incarnation: Incarnation = {
          number,
          child,
          pid,
          logFile,
          healthPort: environment.healthPort,
          startedAt: Date.now(),
          ready: false,
          requested: undefined,
          exited: watchExit(child, () => incarnation),
        };
        current = incarnation;
        last = incarnation;
      },

      async waitUntilReady(timeoutMs = 30_000, signal?: AbortSignal) {
        const incarnation = current;
        if (incarnation === undefined) throw new Error(`${spec.label} is not running`);
        const url = `http://127.0.0.1:${incarnation.healthPort}/health/ready`;
        await eventually(
          async () => {
            if (current !== incarnation) throw new HopelessWait(`${spec.label} exited while starting; its output:\n${member.recentOutput(20)}`);
            return answersReady(url);
          },
          (status) => status === 200,
          { timeoutMs, intervalMs: 50, what: `${spec.label} to be ready at ${url}`, signal },
        );
        incarnation.ready = true;
      },

      async stop(signal, graceMs = 20_000) {
        const incarnation = current;
        if (incarnation === undefined) throw new Error(`${spec.label} is not running`);
        incarnation.requested = { signal, at: Date.now() };
        incarnation.child.kill(signal);
        const killer = setTimeout(() => incarnation.child.kill('SIGKILL'), graceMs);
        try {
          return await incarnation.exited;
        } finally {
          clearTimeout(killer);
        }
      },

      recentOutput: (lines = 30) => {
        const incarnation = current ?? last;
        return incarnation === undefined ? '' : lastLines(incarnation.logFile, lines);
      },
    };
    members.push(member);
    return member;
  }

  return {
    add,
    members: (): readonly ServiceProcess[] => members,
    /** SIGKILLs whatever still runs: for teardown, where grace no longer matters. */
    async killAll(): Promise<void> {
      await Promise.all(members.filter((member) => member.isRunning()).map((member) => member.stop('SIGKILL')));
    },
    dispose(): void {
      killLeftovers();
      process.removeListener('exit', killLeftovers);
    },
  };
}

export type ServiceGroup = ReturnType<typeof createServiceGroup>;
