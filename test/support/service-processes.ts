import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICE_NODE_FLAGS, SYSTEM_PROCESSES } from '../../tools/src/start/process-table.js';
import { eventually } from './eventually.js';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

export type ServiceRole = 'customer_service' | 'order_service' | 'order_outbox_worker' | 'order_created_consumer';

/** The compiled entry of a role, from `npm start`'s own table (run with its Node flags): the tests run what ships. */
function entryOf(role: ServiceRole): string {
  const spec = SYSTEM_PROCESSES.find((candidate) => candidate.name === role);
  if (spec === undefined) throw new Error(`npm start does not know a process called ${role}`);
  return spec.entry;
}

/** Ports a developer's `npm start` holds on this machine; never take them. */
const RESERVED_PORTS = new Set([3001, 3002, 3011, 3012]);

async function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A port nobody listens on now, from the kernel's ephemeral range: fine for a process that gets a fresh one at every start. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    if (port !== 0 && !RESERVED_PORTS.has(port)) return port;
  }
}

/**
 * A free port BELOW the kernel's ephemeral range, for a service that must get
 * the same port back when it restarts (the APIs: clients and peers know it).
 * A port from the ephemeral range could be taken in the meantime by any
 * outgoing connection on the machine, and the restarted service would fail
 * with EADDRINUSE.
 */
export async function freeStablePort(): Promise<number> {
  let ephemeralFrom = 32_768;
  try {
    ephemeralFrom = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || ephemeralFrom;
  } catch {
    // Not Linux: keep the usual default.
  }
  const from = Math.min(20_000, ephemeralFrom - 1_000);
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = from + Math.floor(Math.random() * (ephemeralFrom - from));
    if (!RESERVED_PORTS.has(port) && (await canListen(port))) return port;
  }
  throw new Error(`no free port between ${from} and ${ephemeralFrom}`);
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
  environment(): Promise<{ env: Record<string, string>; healthPort: number }>;
}

export interface ServiceProcess {
  readonly label: string;
  readonly role: ServiceRole;
  readonly pid: number | undefined;
  /** The port the current incarnation serves /health and /metrics on. */
  readonly healthPort: number | undefined;
  /** Every incarnation's exit, in order. */
  readonly exits: readonly ProcessExit[];
  isRunning(): boolean;
  /** Spawns a new incarnation; resolves once it is spawned, not once it is ready. */
  start(): Promise<void>;
  waitUntilReady(timeoutMs?: number): Promise<void>;
  /** Sends `signal` and resolves with the exit; SIGKILL after `graceMs` if it has not exited by then. */
  stop(signal: 'SIGKILL' | 'SIGTERM', graceMs?: number): Promise<ProcessExit>;
  /** The last lines the current (or last) incarnation wrote to stdout and stderr. */
  recentOutput(lines?: number): string;
}

interface Incarnation {
  number: number;
  child: ChildProcess;
  pid: number;
  logFile: string;
  healthPort: number;
  startedAt: number;
  requested: { signal: NodeJS.Signals; at: number } | undefined;
  exited: Promise<ProcessExit>;
}

export interface ServiceGroupOptions {
  logDirectory: string;
  /** A process that exits without being asked; the harness decides whether that is a crash. */
  onUnexpectedExit?: (process: ServiceProcess, exit: ProcessExit) => void;
}

/**
 * The service processes of one test, each a separate OS process started from
 * its compiled entry, with stdout and stderr in one log file per incarnation
 * (so a crash's stack can be read after the run). Every child is killed when
 * the test process exits, however it exits.
 */
export function createServiceGroup(options: ServiceGroupOptions) {
  const members: ServiceProcess[] = [];
  const live = new Set<ChildProcess>();
  const killLeftovers = () => {
    for (const child of live) child.kill('SIGKILL');
  };
  process.once('exit', killLeftovers);

  function add(spec: ServiceSpec): ServiceProcess {
    let current: Incarnation | undefined;
    let last: Incarnation | undefined;
    // Set from the call to the spawn, so two callers (a supervisor and a fault) never start two copies.
    let starting = false;
    let count = 0;
    const exits: ProcessExit[] = [];

    const member: ServiceProcess = {
      label: spec.label,
      role: spec.role,
      get pid() {
        return current?.pid;
      },
      get healthPort() {
        return current?.healthPort;
      },
      exits,
      isRunning: () => current !== undefined,

      async start() {
        if (current !== undefined || starting) throw new Error(`${spec.label} is already running or starting`);
        starting = true;
        let environment;
        try {
          environment = await spec.environment();
        } finally {
          starting = false;
        }
        const { env, healthPort } = environment;
        count += 1;
        const logFile = join(options.logDirectory, `${spec.label}.${count}.log`);
        const output = openSync(logFile, 'a');
        let child: ChildProcess;
        try {
          child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, entryOf(spec.role)], {
            cwd: repositoryRoot,
            env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
            stdio: ['ignore', output, output],
          });
        } finally {
          closeSync(output);
        }
        const pid = child.pid;
        if (pid === undefined) throw new Error(`could not start ${spec.label}`);
        live.add(child);
        const incarnation: Incarnation = {
          number: count,
          child,
          pid,
          logFile,
          healthPort,
          startedAt: Date.now(),
          requested: undefined,
          exited: new Promise<ProcessExit>((resolve) => {
            child.once('exit', (code, signal) => {
              live.delete(child);
              const requested = incarnation.requested;
              const exit: ProcessExit = {
                label: spec.label,
                incarnation: incarnation.number,
                pid,
                code,
                signal,
                requested: requested?.signal,
                elapsedMs: Date.now() - (requested?.at ?? incarnation.startedAt),
                logFile,
              };
              exits.push(exit);
              if (current === incarnation) current = undefined;
              resolve(exit);
              if (requested === undefined) options.onUnexpectedExit?.(member, exit);
            });
          }),
        };
        current = incarnation;
        last = incarnation;
      },

      async waitUntilReady(timeoutMs = 30_000) {
        const incarnation = current;
        if (incarnation === undefined) throw new Error(`${spec.label} is not running`);
        const url = `http://127.0.0.1:${incarnation.healthPort}/health/ready`;
        await eventually(
          async () => {
            if (current !== incarnation) {
              throw new Error(`${spec.label} exited while starting; its output:\n${member.recentOutput(20)}`);
            }
            try {
              const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
              await response.body?.cancel();
              return response.status;
            } catch {
              return 0;
            }
          },
          (status) => status === 200,
          { timeoutMs, intervalMs: 50, what: `${spec.label} to be ready at ${url}` },
        );
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

      recentOutput(lines = 30) {
        const incarnation = current ?? last;
        if (incarnation === undefined) return '';
        try {
          return readFileSync(incarnation.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
        } catch {
          return '';
        }
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
