import { readFileSync } from 'node:fs';
import type { MessagingTopology } from '@orders/contracts';
import {
  createServiceGroup,
  createSystemCopies,
  makeLogDirectory,
  orderServiceUrl,
  wireSystem,
  type ServiceProcess,
} from '@orders/test-support';
import { SERVICE_NODE_FLAGS, SYSTEM_PROCESSES } from '../start/process-table.js';

/**
 * Variables the bench sets itself, or drops: a developer's values for them
 * must never leak into a service. OTEL_* goes too, so no trace export sends
 * traffic anywhere but 127.0.0.1 or costs the services time.
 */
const CONTROLLED = /^(DATABASE_URL|PORT|METRICS_PORT|HOST|NODE_ENV|LOG_LEVEL|LOG_PRETTY|INTERNAL_API_KEY|CUSTOMER_SERVICE_URL)$|^(POSTGRES|RABBITMQ|OTEL)_\w/;

/**
 * Tuning a developer may set to try a change (OUTBOX_BATCH_SIZE=1000 npm run bench), reported
 * with the results. It reaches the services; NODE_OPTIONS too (and the bench).
 */
const TUNING = /^(OUTBOX_|CONSUMER_|INBOX_|ORDER_WRITE_|ORDER_INTAKE_|CUSTOMER_SERVICE_|CUSTOMER_CACHE_|DATABASE_POOL_SIZE$|NODE_OPTIONS$)/;

export function tuningFromEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const set = Object.entries(env).filter((entry): entry is [string, string] => TUNING.test(entry[0]) && (entry[1] ?? '').trim() !== '');
  return Object.fromEntries(set);
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Warning and error log lines per role over the whole run; services log JSON lines (pino): 40 is warn, 50 and up error and fatal. */
function countLogLines(members: readonly ServiceProcess[]): Record<string, { warnings: number; errors: number }> {
  const counts: Record<string, { warnings: number; errors: number }> = {};
  for (const member of members) {
    const tally = (counts[member.role] ??= { warnings: 0, errors: 0 });
    for (const match of member.logFiles().map(readLog).join('\n').matchAll(/"level":(\d+)/g)) {
      if (Number(match[1]) >= 50) tally.errors += 1;
      else if (Number(match[1]) === 40) tally.warnings += 1;
    }
  }
  return counts;
}

/** A CPU profile per launch when asked (the flags are otherwise npm start's, so memory is measured as users run the services). */
function profileFlags(profileDir: string | undefined) {
  let launches = 0;
  return (label: string) => {
    launches += 1;
    const name = `${String(launches).padStart(2, '0')}-${label.replace('#', '-')}.cpuprofile`;
    return profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}`];
  };
}

/**
 * The four services on the bench's own databases, topology and ports, as
 * test support's system copies; `marker` goes to every process, so a later
 * run can find this run's orphans.
 */
export async function createBenchSystem(config: {
  orderDatabaseUrl: string;
  customerDatabaseUrl: string;
  rabbitUrl: string;
  topology: MessagingTopology;
  internalApiKey: string;
  marker: string;
  profileDir: string | undefined;
  onCrash: (description: string, recentOutput: string) => void;
}) {
  const group = createServiceGroup({
    logDirectory: makeLogDirectory('orders-bench'),
    launch: { processes: SYSTEM_PROCESSES, nodeFlags: SERVICE_NODE_FLAGS },
    arguments: [config.marker],
    // A process group of its own: a Ctrl-C in the terminal reaches only the bench, which stops the services in order.
    detached: true,
    onUnexpectedExit: (member, exit) => {
      const how = exit.signal ?? `code ${exit.code ?? '?'}`;
      config.onCrash(`${member.label} (pid ${exit.pid}) exited unexpectedly with ${how}`, member.recentOutput(5));
    },
  });
  const { orderDatabaseUrl, customerDatabaseUrl, topology, internalApiKey } = config;
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !CONTROLLED.test(name)));
  const wiring = await wireSystem({
    orderDatabaseUrl,
    customerDatabaseUrl,
    rabbitUrl: () => config.rabbitUrl,
    topology,
    internalApiKey,
    inherited,
  });
  const copies = createSystemCopies(group, wiring, profileFlags(config.profileDir));
  return {
    ...copies,
    orderServiceUrl: orderServiceUrl(wiring),
    /** Where a running copy serves /metrics: the API port, or the worker's and consumer's ops port. */
    metricsPort: (label: string) => copies.running().find((member) => member.label === label)?.healthPort,
    /** The copies running now, each with its pid (for the resource monitor and the CPU readings). */
    list: () => copies.running().flatMap(({ label, role, pid, ready }) => (pid === undefined ? [] : [{ label, role, pid, ready }])),
    killAll: () => void group.killAll(),
    outputCounts: () => countLogLines(copies.all()),
  };
}

export type BenchSystem = Awaited<ReturnType<typeof createBenchSystem>>;
