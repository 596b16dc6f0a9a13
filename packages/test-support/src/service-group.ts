import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServiceProcess, type ProcessExit, type ServiceProcess, type ServiceRole, type ServiceSpec } from './service-process.js';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** How `npm start` runs each process (its table, its Node flags): the harness runs what ships. */
export interface LaunchTable {
  processes: readonly { name: string; entry: string }[];
  nodeFlags: readonly string[];
}

/** A fresh directory for one run's process logs; it is kept so a failure can be read afterwards. */
export function makeLogDirectory(label: string): string {
  return mkdtempSync(join(tmpdir(), `${label}-`));
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

  const host = { logDirectory: options.logDirectory, spawn: spawnLogged, live, onUnexpectedExit: options.onUnexpectedExit };
  return {
    add(spec: ServiceSpec): ServiceProcess {
      const member = createServiceProcess(spec, host);
      members.push(member);
      return member;
    },
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
