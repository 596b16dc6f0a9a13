import { readFileSync } from 'node:fs';
import type { MessagingTopology } from '@orders/contracts';
import {
  addSystemProcess,
  createServiceGroup,
  makeLogDirectory,
  orderServiceUrl,
  START_ORDER,
  wireSystem,
  type ServiceProcess,
  type ServiceRole,
} from '@orders/test-support';
import { SERVICE_NODE_FLAGS, SYSTEM_PROCESSES } from '../start/process-table.js';

export type Role = ServiceRole;

export interface ProcessCrash {
  description: string;
  recentOutput: string;
}

export interface BenchSystemConfig {
  orderDatabaseUrl: string;
  customerDatabaseUrl: string;
  rabbitUrl: string;
  topology: MessagingTopology;
  internalApiKey: string;
  /** An argument every service process gets, so a later run can find this run's orphans. */
  marker: string;
  /** When set, every service writes a V8 CPU profile here when it stops. */
  profileDir: string | undefined;
  onCrash: (crash: ProcessCrash) => void;
}

/**
 * Variables the bench sets itself, or drops: a developer's values for them
 * must never leak into a service. OTEL_* goes too, so no trace export sends
 * traffic anywhere but 127.0.0.1 or costs the services time.
 */
const CONTROLLED = /^(DATABASE_URL|POSTGRES_\w+|RABBITMQ_\w+|PORT|METRICS_PORT|HOST|NODE_ENV|LOG_LEVEL|LOG_PRETTY|INTERNAL_API_KEY|CUSTOMER_SERVICE_URL|OTEL_\w+)$/;

/**
 * Tuning a developer may set to try a change (OUTBOX_BATCH_SIZE=1000 npm run bench);
 * reported with the results. NODE_OPTIONS reaches the services too (and the bench).
 */
const TUNING = /^(OUTBOX_|CONSUMER_|INBOX_|ORDER_WRITE_|ORDER_INTAKE_|CUSTOMER_SERVICE_|CUSTOMER_CACHE_|DATABASE_POOL_SIZE$|NODE_OPTIONS$)/;

export function tuningFromEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => TUNING.test(entry[0]) && entry[1] !== undefined && entry[1].trim() !== ''),
  );
}

/** Services log JSON lines (pino); level 40 is warn, 50 and up error and fatal. */
function tallyLog(file: string, tally: { warnings: number; errors: number }): void {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return;
  }
  for (const match of text.matchAll(/"level":(\d+)/g)) {
    const level = Number(match[1]);
    if (level >= 50) tally.errors += 1;
    else if (level === 40) tally.warnings += 1;
  }
}

/**
 * The four services on the bench's own databases, topology and ports, in the
 * test support's process group. A "variant" is a copy started with extra
 * settings (the worker in poll mode, order_service without its customer
 * cache); ensureStandard() puts the plain set back after a step changed it.
 */
export async function createBenchSystem(config: BenchSystemConfig) {
  const group = createServiceGroup({
    logDirectory: makeLogDirectory('orders-bench'),
    launch: { processes: SYSTEM_PROCESSES, nodeFlags: SERVICE_NODE_FLAGS },
    arguments: [config.marker],
    // A process group of its own: a Ctrl-C in the terminal reaches only the bench, which stops the services in order.
    detached: true,
    onUnexpectedExit: (member, exit) =>
      config.onCrash({
        description: `${member.label} (pid ${exit.pid}) exited unexpectedly with ${exit.signal ?? `code ${exit.code ?? '?'}`}`,
        recentOutput: member.recentOutput(5),
      }),
  });
  const wiring = await wireSystem({
    orderDatabaseUrl: config.orderDatabaseUrl,
    customerDatabaseUrl: config.customerDatabaseUrl,
    rabbitUrl: () => config.rabbitUrl,
    topology: config.topology,
    internalApiKey: config.internalApiKey,
    inherited: Object.fromEntries(Object.entries(process.env).filter(([name]) => !CONTROLLED.test(name))),
  });
  const members = new Map<string, ServiceProcess>();
  // A variant's settings, read by its process at every start.
  const variantEnv = new Map<string, Record<string, string>>();
  let launches = 0;
  const running = () => [...members.values()].filter((member) => member.isRunning());
  const isVariant = (member: ServiceProcess) => member.label !== member.role || Object.keys(variantEnv.get(member.label) ?? {}).length > 0;

  // The same flags as npm start, so memory is measured as users run the services.
  const profileFlags = (label: string) => {
    launches += 1;
    if (config.profileDir === undefined) return [];
    return ['--cpu-prof', `--cpu-prof-dir=${config.profileDir}`, `--cpu-prof-name=${String(launches).padStart(2, '0')}-${label.replace('#', '-')}.cpuprofile`];
  };

  async function start(role: Role, signal: AbortSignal, options: { label?: string; env?: Record<string, string> } = {}): Promise<ServiceProcess> {
    const label = options.label ?? role;
    const member =
      members.get(label) ?? addSystemProcess(group, wiring, { role, label, env: () => variantEnv.get(label) ?? {}, nodeOptions: () => profileFlags(label) });
    members.set(label, member);
    variantEnv.set(label, options.env ?? {});
    await member.start();
    await member.waitUntilReady(30_000, signal);
    return member;
  }
  const stop = async (label: string) => {
    const member = members.get(label);
    if (member?.isRunning() === true) await member.stop('SIGTERM');
  };
  const stopRole = async (role: Role) => {
    await Promise.all(running().filter((member) => member.role === role).map((member) => stop(member.label)));
  };

  return {
    orderServiceUrl: orderServiceUrl(wiring),
    start,
    stop,
    stopRole,
    /** Stops every copy of the role, then starts one with these settings. */
    async restart(role: Role, signal: AbortSignal, env: Record<string, string> = {}): Promise<ServiceProcess> {
      await stopRole(role);
      return start(role, signal, { env });
    },
    /** Exactly one plain copy of each of these services (all four by default), whatever the previous step left running. */
    async ensureStandard(signal: AbortSignal, wanted: readonly Role[] = START_ORDER.flat()): Promise<void> {
      await Promise.all(running().filter(isVariant).map((member) => stop(member.label)));
      for (const roles of START_ORDER) {
        const missing = roles.filter((role) => wanted.includes(role) && members.get(role)?.isRunning() !== true);
        await Promise.all(missing.map((role) => start(role, signal)));
      }
    },
    /** Where a running copy serves /metrics: the API port, or the worker's and consumer's ops port. */
    metricsPort: (label: string) => running().find((member) => member.label === label)?.healthPort,
    /** The copies running now, each with its pid (for the resource monitor and the CPU readings). */
    list: () => running().flatMap(({ label, role, pid, ready }) => (pid === undefined ? [] : [{ label, role, pid, ready }])),
    stopAll: async () => {
      await Promise.all(running().map((member) => stop(member.label)));
    },
    killAll: () => void group.killAll(),
    /** Warning and error log lines per role over the whole run. */
    outputCounts(): Record<string, { warnings: number; errors: number }> {
      const counts: Record<string, { warnings: number; errors: number }> = {};
      for (const member of members.values()) {
        const tally = (counts[member.role] ??= { warnings: 0, errors: 0 });
        for (const file of member.logFiles()) tallyLog(file, tally);
      }
      return counts;
    },
  };
}

export type BenchSystem = Awaited<ReturnType<typeof createBenchSystem>>;
