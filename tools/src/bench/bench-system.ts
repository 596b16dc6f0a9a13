import { SERVICE_NODE_FLAGS, SYSTEM_PROCESSES } from '../start/process-table.js';
import { createProcessGroup, freePort, type ProcessCrash, type Role, type ServiceProcess } from './processes.js';

export interface BenchSystemConfig {
  root: string;
  orderDatabaseUrl: string;
  customerDatabaseUrl: string;
  rabbitUrl: string;
  topologyPrefix: string;
  internalApiKey: string;
  /** An argument every service process gets, so a later run can find this run's orphans. */
  marker: string;
  /** When set, every service writes a V8 CPU profile here when it stops. */
  profileDir: string | undefined;
  onCrash: (crash: ProcessCrash) => void;
}

/** Roles in start order: the consumer declares the queue before the worker publishes into it. */
const STANDARD_ORDER: readonly Role[][] = [
  ['customer_service', 'order_created_consumer'],
  ['order_service', 'order_outbox_worker'],
];

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

function entryOf(role: Role): string {
  const spec = SYSTEM_PROCESSES.find((candidate) => candidate.name === role);
  if (spec === undefined) throw new Error(`no entry for ${role} in the process table`);
  return spec.entry;
}

/**
 * The four services on the bench's own databases, topology and ports. A
 * "variant" is a copy started with extra settings (the worker in poll mode,
 * Order Service without its customer cache); ensureStandard() puts the
 * plain set back after a step changed it.
 */
export async function createBenchSystem(config: BenchSystemConfig) {
  const group = createProcessGroup({ cwd: config.root, marker: config.marker, onCrash: config.onCrash });
  const orderServicePort = await freePort();
  const customerServicePort = await freePort();
  const variants = new Set<string>();
  let launches = 0;
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !CONTROLLED.test(name)));

  function environment(role: Role, ports: { port: number; metricsPort: number }, overrides: Record<string, string>): NodeJS.ProcessEnv {
    const orderSide = role === 'order_service' || role === 'order_outbox_worker';
    return {
      ...inherited,
      DATABASE_URL: orderSide ? config.orderDatabaseUrl : config.customerDatabaseUrl,
      RABBITMQ_URL: config.rabbitUrl,
      RABBITMQ_TOPOLOGY_PREFIX: config.topologyPrefix,
      HOST: '127.0.0.1',
      PORT: String(ports.port),
      METRICS_PORT: String(ports.metricsPort),
      CUSTOMER_SERVICE_URL: `http://127.0.0.1:${customerServicePort}`,
      INTERNAL_API_KEY: config.internalApiKey,
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
      ...overrides,
    };
  }

  async function start(role: Role, signal: AbortSignal, options: { label?: string; env?: Record<string, string> } = {}): Promise<ServiceProcess> {
    const label = options.label ?? role;
    const overrides = options.env ?? {};
    const api = role === 'order_service' || role === 'customer_service';
    const fixedPort = role === 'order_service' ? orderServicePort : customerServicePort;
    // The APIs keep their port across restarts so URLs stay valid; the others get a fresh ops port.
    const ports = api ? { port: fixedPort, metricsPort: await freePort() } : { port: await freePort(), metricsPort: await freePort() };
    launches += 1;
    // The same flags as npm start, so memory is measured as users run the services.
    const nodeOptions =
      config.profileDir === undefined
        ? [...SERVICE_NODE_FLAGS]
        : [...SERVICE_NODE_FLAGS, '--cpu-prof', `--cpu-prof-dir=${config.profileDir}`, `--cpu-prof-name=${String(launches).padStart(2, '0')}-${label.replace('#', '-')}.cpuprofile`];
    const launched = await group.start(
      { label, role, entry: entryOf(role), env: environment(role, ports, overrides), healthPort: api ? ports.port : ports.metricsPort, nodeOptions },
      signal,
    );
    if (Object.keys(overrides).length > 0 || label !== role) variants.add(label);
    else variants.delete(label);
    return launched;
  }

  async function stop(label: string): Promise<void> {
    await group.stop(label);
    variants.delete(label);
  }

  async function stopRole(role: Role): Promise<void> {
    await Promise.all(group.list().filter((entry) => entry.role === role).map((entry) => stop(entry.label)));
  }

  return {
    orderServiceUrl: `http://127.0.0.1:${orderServicePort}`,
    start,
    stop,
    stopRole,
    /** Stops every copy of the role, then starts one with these settings. */
    async restart(role: Role, signal: AbortSignal, env: Record<string, string> = {}): Promise<ServiceProcess> {
      await stopRole(role);
      return start(role, signal, { env });
    },
    /**
     * Exactly one plain copy of each of these services (all four by
     * default), whatever the previous step left running.
     */
    async ensureStandard(signal: AbortSignal, wanted: readonly Role[] = STANDARD_ORDER.flat()): Promise<void> {
      await Promise.all(group.list().filter((entry) => variants.has(entry.label)).map((entry) => stop(entry.label)));
      for (const roles of STANDARD_ORDER) {
        const missing = roles.filter((role) => wanted.includes(role) && group.get(role) === undefined);
        await Promise.all(missing.map((role) => start(role, signal)));
      }
    },
    pidOf(label: string): number | undefined {
      return group.get(label)?.pid;
    },
    list: () => group.list(),
    stopAll: () => group.stopAll(),
    killAll: () => group.killAll(),
    outputCounts: () => group.outputCounts(),
  };
}

export type BenchSystem = Awaited<ReturnType<typeof createBenchSystem>>;
