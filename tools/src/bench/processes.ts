import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { waitFor } from './wait-for.js';

export type Role = 'customer_service' | 'order_service' | 'order_outbox_worker' | 'order_created_consumer';

export interface LaunchSpec {
  /** Unique among running processes: the role, or e.g. "order_outbox_worker#2" for a second copy. */
  label: string;
  role: Role;
  entry: string;
  env: NodeJS.ProcessEnv;
  /** Where /health/ready answers: PORT for the APIs, METRICS_PORT for the worker and the consumer. */
  healthPort: number;
  /** Options for node itself, before the entry (e.g. --cpu-prof). */
  nodeOptions: string[];
}

export interface ServiceProcess {
  label: string;
  role: Role;
  pid: number;
  spec: LaunchSpec;
  /** Answered /health/ready once: started, connected, taking work. */
  ready: boolean;
}

export interface ProcessCrash {
  label: string;
  description: string;
  recentOutput: string[];
}

export interface OutputCounts {
  warnings: number;
  errors: number;
}

interface Running extends ServiceProcess {
  child: ChildProcess;
  stopping: boolean;
  exited: Promise<void>;
  recentOutput: string[];
}

const RECENT_LINES = 30;
const STOP_GRACE_MS = 20_000;

/** Ports a developer's `npm start` holds; the bench never takes them. */
const RESERVED_PORTS = new Set([3001, 3002, 3011, 3012]);

/** A port nobody listens on right now, on the loopback interface. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    if (port !== 0 && !RESERVED_PORTS.has(port)) return port;
  }
}

/**
 * The service processes of one run, each a separate OS process started from
 * its compiled entry. A process that exits while nobody asked it to is a
 * crash: reported through onCrash at once, so the step in progress fails fast
 * instead of waiting for a deadline.
 */
export function createProcessGroup(options: { cwd: string; marker: string; onCrash: (crash: ProcessCrash) => void }) {
  const running = new Map<string, Running>();
  const counts = new Map<string, OutputCounts>();

  function record(entry: Running, line: string): void {
    entry.recentOutput.push(line);
    if (entry.recentOutput.length > RECENT_LINES) entry.recentOutput.shift();
    // Services log JSON lines (pino); level 40 is warn, 50 and up error and fatal.
    const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 0);
    const tally = counts.get(entry.role) ?? { warnings: 0, errors: 0 };
    if (level >= 50) tally.errors += 1;
    else if (level === 40) tally.warnings += 1;
    counts.set(entry.role, tally);
  }

  async function start(spec: LaunchSpec, signal: AbortSignal): Promise<ServiceProcess> {
    if (running.has(spec.label)) throw new Error(`${spec.label} is already running`);
    // A process group of its own: a Ctrl-C in the terminal reaches only the
    // bench, which then stops the services in order and cleans up.
    const child = spawn(process.execPath, [...spec.nodeOptions, spec.entry, options.marker], {
      cwd: options.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${spec.label}`);
    let markExited: () => void = () => undefined;
    const exited = new Promise<void>((resolve) => (markExited = resolve));
    const entry: Running = { label: spec.label, role: spec.role, pid, spec, ready: false, child, stopping: false, exited, recentOutput: [] };
    running.set(spec.label, entry);
    for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', (line) => record(entry, line));
    // Without a listener a failed spawn would throw from an event; the exit handler reports it.
    child.on('error', (error) => record(entry, `spawn error: ${error.message}`));
    child.on('exit', (code, exitSignal) => {
      running.delete(spec.label);
      markExited();
      if (entry.stopping) return;
      options.onCrash({
        label: spec.label,
        description: `${spec.label} (pid ${pid}) exited unexpectedly with ${exitSignal ?? `code ${code ?? '?'}`}`,
        recentOutput: entry.recentOutput,
      });
    });

    const readyUrl = `http://127.0.0.1:${spec.healthPort}/health/ready`;
    await waitFor(
      async () => {
        if (!running.has(spec.label)) {
          throw new Error(`${spec.label} exited while starting:\n  ${entry.recentOutput.slice(-8).join('\n  ')}`);
        }
        try {
          const response = await fetch(readyUrl, { signal: AbortSignal.timeout(1_000) });
          await response.body?.cancel();
          return response.status;
        } catch {
          return 0;
        }
      },
      (status) => status === 200,
      { timeoutMs: 30_000, intervalMs: 50, what: `${spec.label} to be ready at ${readyUrl}`, signal },
    );
    entry.ready = true;
    return { label: spec.label, role: spec.role, pid, spec, ready: true };
  }

  /** SIGTERM: the process finishes what it has in flight and exits; SIGKILL if it takes too long. */
  async function stop(label: string): Promise<void> {
    const entry = running.get(label);
    if (entry === undefined) return;
    entry.stopping = true;
    entry.child.kill('SIGTERM');
    const timer = setTimeout(() => entry.child.kill('SIGKILL'), STOP_GRACE_MS);
    await entry.exited;
    clearTimeout(timer);
  }

  return {
    start,
    stop,
    async stopAll(): Promise<void> {
      await Promise.all([...running.keys()].map((label) => stop(label)));
    },
    /** Last resort (a second Ctrl-C, an exit with processes left): no grace. */
    killAll(): void {
      for (const entry of running.values()) {
        entry.stopping = true;
        entry.child.kill('SIGKILL');
      }
    },
    list(): ServiceProcess[] {
      return [...running.values()].map(({ label, role, pid, spec, ready }) => ({ label, role, pid, spec, ready }));
    },
    get(label: string): ServiceProcess | undefined {
      return running.get(label);
    },
    /** Warning and error log lines per role over the whole run. */
    outputCounts(): Record<string, OutputCounts> {
      return Object.fromEntries(counts);
    },
  };
}

export type ProcessGroup = ReturnType<typeof createProcessGroup>;
