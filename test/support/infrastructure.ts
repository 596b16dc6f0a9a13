import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import amqp from 'amqplib';
import pg from 'pg';
import { eventually } from '@orders/test-support';
import { TEST_POSTGRES_URL, TEST_RABBITMQ_URL } from './test-environment.js';

interface CommandResult {
  code: number;
  output: string;
}

function run(command: string, args: string[], timeoutMs = 120_000): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}

async function runOrThrow(command: string, args: string[], timeoutMs?: number): Promise<void> {
  const result = await run(command, args, timeoutMs);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.code}): ${result.output}`);
}

// ---------------------------------------------------------------- PostgreSQL

function postgresCluster(): string[] {
  const version = readdirSync('/etc/postgresql')[0];
  if (version === undefined) throw new Error('no PostgreSQL cluster under /etc/postgresql');
  // --skip-systemctl-redirect: there is no systemd here; pg_ctlcluster drives pg_ctl itself.
  return ['--skip-systemctl-redirect', version, 'main'];
}

export async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function waitForPostgres(timeoutMs = 60_000): Promise<void> {
  await eventually(postgresAnswers, (up) => up, { timeoutMs, intervalMs: 200, what: 'PostgreSQL to accept connections' });
}

export async function stopPostgres(): Promise<void> {
  await runOrThrow('pg_ctlcluster', [...postgresCluster(), 'stop', '--mode', 'fast']);
}

export async function startPostgres(): Promise<void> {
  const result = await run('pg_ctlcluster', [...postgresCluster(), 'start']);
  // "already running" is fine: the goal is a running cluster.
  if (result.code !== 0 && !/already running/i.test(result.output)) {
    throw new Error(`pg_ctlcluster start failed (${result.code}): ${result.output}`);
  }
  await waitForPostgres();
}

/**
 * Ends every connection the services hold to the run's own databases, as a
 * failover or an operator's pg_terminate_backend would. Returns how many.
 */
export async function terminateDatabaseConnections(databaseNames: readonly string[]): Promise<number> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ terminated: number }>(
      `select count(*) filter (where pg_terminate_backend(pid))::int as terminated
       from pg_stat_activity
       where datname = any($1::text[]) and pid <> pg_backend_pid()`,
      [databaseNames],
    );
    return rows[0]?.terminated ?? 0;
  } finally {
    await client.end().catch(() => undefined);
  }
}

// ------------------------------------------------------------------ RabbitMQ

export async function rabbitAnswers(): Promise<boolean> {
  try {
    const connection = await amqp.connect(TEST_RABBITMQ_URL, { timeout: 2_000 });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

export async function stopRabbitApp(): Promise<void> {
  await runOrThrow('rabbitmqctl', ['stop_app']);
}

export async function startRabbitApp(): Promise<void> {
  await runOrThrow('rabbitmqctl', ['start_app']);
  await runOrThrow('rabbitmqctl', ['await_startup']);
}

export interface QueueTotals {
  ready: number;
  unacknowledged: number;
}

/** Ready and unacknowledged messages of one queue, from the broker itself (AMQP only tells the ready ones). */
export async function queueTotals(queue: string): Promise<QueueTotals | undefined> {
  const result = await run('rabbitmqctl', ['-q', 'list_queues', 'name', 'messages_ready', 'messages_unacknowledged', '--formatter', 'json'], 30_000);
  if (result.code !== 0) return undefined;
  try {
    const rows = JSON.parse(result.output) as Array<{ name: string; messages_ready: number; messages_unacknowledged: number }>;
    const row = rows.find((candidate) => candidate.name === queue);
    return row === undefined ? undefined : { ready: row.messages_ready, unacknowledged: row.messages_unacknowledged };
  } catch {
    return undefined;
  }
}

// -------------------------------------------------------------------- both

/**
 * Brings PostgreSQL and the RabbitMQ app back if either is down, whatever
 * took it down (this suite, or a run that died half-way). Does nothing when
 * both answer. Returns what it had to do, for the log.
 */
export async function ensureInfrastructureUp(): Promise<string[]> {
  const actions: string[] = [];
  if (!(await postgresAnswers())) {
    actions.push('started PostgreSQL');
    await startPostgres();
  }
  if (!(await rabbitAnswers())) {
    const nodeUp = (await run('rabbitmqctl', ['ping'], 30_000)).code === 0;
    if (!nodeUp) {
      actions.push('started the RabbitMQ node (rabbitmq-server -detached)');
      await run('rabbitmq-server', ['-detached'], 30_000);
      await eventually(async () => (await run('rabbitmqctl', ['ping'], 30_000)).code === 0, (up) => up, {
        timeoutMs: 60_000,
        intervalMs: 500,
        what: 'the RabbitMQ node',
      });
    }
    actions.push('started the RabbitMQ app');
    await run('rabbitmqctl', ['start_app']);
    await runOrThrow('rabbitmqctl', ['await_startup']);
    await eventually(rabbitAnswers, (up) => up, { timeoutMs: 30_000, intervalMs: 200, what: 'RabbitMQ to accept connections' });
  }
  return actions;
}

// ------------------------------------------------------- other people's runs

function parentOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const parent = Number(fields[1]);
    return Number.isInteger(parent) && parent > 0 ? parent : undefined;
  } catch {
    return undefined;
  }
}

function ancestorsOf(pid: number): number[] {
  const chain: number[] = [];
  for (let current = parentOf(pid); current !== undefined && current > 1 && chain.length < 64; current = parentOf(current)) {
    chain.push(current);
  }
  return chain;
}

const TEST_RUN_PATTERN = 'vitest|run-bench|tools/dist/bench';
/** What pgrep's pattern also catches but is no run: a file name such as vitest.config.ts in a linter's arguments. */
const RUN_COMMAND = /vitest(?![\w.-]*config\b)|run-bench|tools\/dist\/bench/;

/**
 * Test and benchmark runs on this machine that are not this one. Restarting
 * PostgreSQL or stopping the RabbitMQ app would break them, so the global
 * faults wait for (or skip) them. "This one" is every process in our own
 * ancestry that matches, and everything below the outermost of those.
 */
export async function otherTestRuns(): Promise<string[]> {
  const result = await run('pgrep', ['-af', TEST_RUN_PATTERN], 10_000);
  const lines = result.output.split('\n').filter((line) => RUN_COMMAND.test(line));
  const matching = new Map<number, string>();
  for (const line of lines) {
    const pid = Number(line.split(' ', 1)[0]);
    if (Number.isInteger(pid)) matching.set(pid, line);
  }
  const ours = new Set<number>([process.pid, ...ancestorsOf(process.pid)].filter((pid) => matching.has(pid) || pid === process.pid));
  const roots = [...ours];
  return [...matching.entries()]
    .filter(([pid]) => pid !== process.pid && !ours.has(pid) && !ancestorsOf(pid).some((ancestor) => roots.includes(ancestor)))
    .map(([, line]) => line);
}
