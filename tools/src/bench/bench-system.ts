import { readFileSync } from 'node:fs';
import type { MessagingTopology } from '@orders/contracts';
import { createServiceGroup, createSystemCopies, makeLogDirectory, orderServiceUrl, wireSystem } from '@orders/test-support';
import { SERVICE_NODE_FLAGS, SYSTEM_PROCESSES } from '../start/process-table.js';

/**
 * Variables the bench sets itself, or drops: a developer's values must never
 * leak into a service. OTEL_* goes too, so no trace export sends traffic
 * anywhere or costs the services time.
 */
const CONTROLLED =
  /^(DATABASE_URL|PORT|METRICS_PORT|HOST|NODE_ENV|LOG_LEVEL|LOG_PRETTY|INTERNAL_API_KEY|CUSTOMER_SERVICE_URL)$|^(POSTGRES|RABBITMQ|OTEL)_\w/;

/** Tuning a developer may set to try a change (OUTBOX_BATCH_SIZE=1000 npm run bench): it reaches the services, and the report names it. */
const TUNING = /^(OUTBOX_|CONSUMER_|INBOX_|ORDER_WRITE_|ORDER_INTAKE_|CUSTOMER_SERVICE_|CUSTOMER_CACHE_|DATABASE_POOL_SIZE$|NODE_OPTIONS$)/;

export const tuningFromEnvironment = (env: NodeJS.ProcessEnv): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => TUNING.test(entry[0]) && entry[1]?.trim() !== ''));

const readLog = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/**
 * The four services on the bench's own databases, topology and ports, as test
 * support's system copies. `marker` goes to every process, so a later run can
 * find this run's orphans; the process group is its own, so a Ctrl-C in the
 * terminal reaches only the bench, which stops the services in order.
 */
export async function createBenchSystem(config: {
  orderDatabaseUrl: string;
  customerDatabaseUrl: string;
  rabbitUrl: string;
  topology: MessagingTopology;
  internalApiKey: string;
  marker: string;
  /** Where each service process writes a CPU profile, if anywhere. */
  profileDir: string | undefined;
  onCrash: (description: string, recentOutput: string) => void;
}) {
  const group = createServiceGroup({
    logDirectory: makeLogDirectory('orders-bench'),
    launch: { processes: SYSTEM_PROCESSES, nodeFlags: SERVICE_NODE_FLAGS },
    arguments: [config.marker],
    detached: true,
    onUnexpectedExit: (member, exit) =>
      config.onCrash(
        `${member.label} (pid ${exit.pid}) exited unexpectedly with ${exit.signal ?? `code ${exit.code ?? '?'}`}`,
        member.recentOutput(5),
      ),
  });
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !CONTROLLED.test(name)));
  const wiring = await wireSystem({ ...config, rabbitUrl: () => config.rabbitUrl, inherited });
  const profile = config.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${config.profileDir}`];
  const copies = createSystemCopies(group, wiring, () => profile);
  return {
    ...copies,
    orderServiceUrl: orderServiceUrl(wiring),
    /** Where a running copy serves /metrics: the API port, or the worker's and consumer's ops port. */
    metricsPort: (label: string) => copies.running().find((member) => member.label === label)?.healthPort,
    /** The copies running now with their pids (for the memory monitor and CPU readings). */
    list: () => copies.running().flatMap(({ label, role, pid, ready }) => (pid === undefined ? [] : [{ label, role, pid, ready }])),
    killAll: () => void group.killAll(),
    /** Warning and error lines per role over the whole run; pino's level 40 is warn, 50 and up error and fatal. */
    logLines() {
      const counts: Record<string, { warnings: number; errors: number }> = {};
      for (const member of copies.all()) {
        const tally = (counts[member.role] ??= { warnings: 0, errors: 0 });
        for (const [, level] of member
          .logFiles()
          .map(readLog)
          .join('\n')
          .matchAll(/"level":(\d+)/g)) {
          if (Number(level) >= 50) tally.errors += 1;
          else if (Number(level) === 40) tally.warnings += 1;
        }
      }
      return counts;
    },
  };
}
export type BenchSystem = Awaited<ReturnType<typeof createBenchSystem>>;
