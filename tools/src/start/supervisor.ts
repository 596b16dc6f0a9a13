import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { environmentFor } from './process-environment.js';
import { SERVICE_NODE_FLAGS, type ProcessSpec } from './process-table.js';

interface Supervised {
  spec: ProcessSpec;
  child: ChildProcess | undefined;
  restarts: number;
  startedAt: number;
  restartTimer: NodeJS.Timeout | undefined;
}

export interface SupervisorOptions {
  cwd: string;
  /** Shared by all; `<PROCESS_NAME>__<VARIABLE>` sets a variable for one process only. */
  env: NodeJS.ProcessEnv;
  color: boolean;
  /** How long children get to stop after SIGTERM before they are killed. */
  stopTimeoutMs: number;
  write: (line: string) => void;
}

/**
 * Runs each process, prefixes its output with its name, and restarts one that
 * dies unexpectedly, saying so loudly, with a growing delay if it keeps dying.
 * stop() sends SIGTERM to all and waits for them (SIGKILL after a timeout).
 */
export function createSupervisor(specs: readonly ProcessSpec[], options: SupervisorOptions) {
  const width = Math.max(...specs.map((spec) => spec.name.length));
  const table: Supervised[] = specs.map((spec) => ({ spec, child: undefined, restarts: 0, startedAt: 0, restartTimer: undefined }));
  let stopping = false;

  const paint = (code: number, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const prefix = (spec: ProcessSpec) => paint(spec.color, `${spec.name.padEnd(width)} |`);
  const shout = (text: string) => options.write(paint(31, `!!! ${text}`));

  function launch(entry: Supervised): void {
    entry.startedAt = Date.now();
    const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, entry.spec.entry], { cwd: options.cwd, env: environmentFor(entry.spec.name, options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    entry.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => options.write(`${prefix(entry.spec)} ${line}`));
    }
    child.on('exit', (code, signal) => {
      entry.child = undefined;
      if (stopping) return;
      // A process that ran for a minute starts its restart count again.
      if (Date.now() - entry.startedAt > 60_000) entry.restarts = 0;
      entry.restarts += 1;
      const delayMs = Math.min(30_000, 500 * 2 ** (entry.restarts - 1));
      shout(
        `${entry.spec.name} exited unexpectedly (${signal ?? `code ${code ?? '?'}`}); ` +
          `restarting in ${(delayMs / 1000).toFixed(1)} s (restart #${entry.restarts})`,
      );
      entry.restartTimer = setTimeout(() => {
        entry.restartTimer = undefined;
        if (!stopping) launch(entry);
      }, delayMs);
    });
  }

  return {
    start(): void {
      for (const entry of table) launch(entry);
    },

    async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
      stopping = true;
      const running = table.filter((entry) => {
        clearTimeout(entry.restartTimer);
        return entry.child !== undefined;
      });
      await Promise.all(
        running.map(
          (entry) =>
            new Promise<void>((resolve) => {
              const child = entry.child;
              if (child === undefined) return resolve();
              const killer = setTimeout(() => {
                shout(`${entry.spec.name} did not stop within ${options.stopTimeoutMs} ms; killing it`);
                child.kill('SIGKILL');
              }, options.stopTimeoutMs);
              child.once('exit', () => {
                clearTimeout(killer);
                resolve();
              });
              child.kill(signal);
            }),
        ),
      );
    },
  };
}
