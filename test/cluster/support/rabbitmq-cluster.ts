import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@orders/test-support';

/**
 * A real three-node RabbitMQ cluster on this machine, next to the machine's
 * own node (rabbit@localhost on 5672), which is never touched: the nodes here
 * have their own names, ports, data directories and config files, and only
 * the nodes this module booted are ever stopped or killed.
 */
export interface ClusterNode {
  /** 1-based, as in the issue: node 1 is the one every process lists first. */
  index: number;
  name: string;
  amqpPort: number;
  distPort: number;
  /** host:port, as the processes' rabbitmq_connected_node metric labels it. */
  address: string;
  url: string;
  directory: string;
}

export const CLUSTER_SIZE = 3;
// Far from 5672 (the machine's node), 25672 (its distribution port) and 35672-35682 (the CLI tools' range).
const AMQP_PORT_BASE = 5680;
const DIST_PORT_BASE = 25680;
/** Every data directory of this harness starts with this, followed by the pid of the run that owns it. */
const DIRECTORY_PREFIX = 'orders-rabbitmq-cluster-';

export function nodeUrl(index: number): string {
  return `amqp://guest:guest@127.0.0.1:${AMQP_PORT_BASE + index}`;
}

/** RABBITMQ_URL as an operator writes it for the cluster: every node, node 1 first. */
export function clusterRabbitUrl(): string {
  return Array.from({ length: CLUSTER_SIZE }, (_, offset) => nodeUrl(offset + 1)).join(',');
}

export function clusterNodes(baseDirectory: string): ClusterNode[] {
  return Array.from({ length: CLUSTER_SIZE }, (_, offset) => {
    const index = offset + 1;
    return {
      index,
      name: `acc${index}@localhost`,
      amqpPort: AMQP_PORT_BASE + index,
      distPort: DIST_PORT_BASE + index,
      address: `127.0.0.1:${AMQP_PORT_BASE + index}`,
      url: nodeUrl(index),
      directory: join(baseDirectory, `acc${index}`),
    };
  });
}

interface CommandResult {
  code: number;
  output: string;
}

function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(command, args, { env: options.env ?? process.env, timeout: options.timeoutMs ?? 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}

async function ctl(node: ClusterNode | string, args: string[], timeoutMs = 60_000): Promise<string> {
  const name = typeof node === 'string' ? node : node.name;
  const result = await run('rabbitmqctl', ['-q', '-n', name, ...args], { timeoutMs });
  if (result.code !== 0) throw new Error(`rabbitmqctl -n ${name} ${args.join(' ')} failed (${result.code}): ${result.output}`);
  return result.output;
}

async function nodeAnswers(name: string): Promise<boolean> {
  return (await run('rabbitmqctl', ['-q', '-n', name, 'ping'], { timeoutMs: 15_000 })).code === 0;
}

/** The variables the server scripts read (verified with 3.10): everything the node writes stays under its directory. */
function nodeEnvironment(node: ClusterNode): NodeJS.ProcessEnv {
  return {
    ...process.env,
    RABBITMQ_NODENAME: node.name,
    RABBITMQ_DIST_PORT: String(node.distPort),
    RABBITMQ_CONFIG_FILE: join(node.directory, 'rabbitmq.conf'),
    RABBITMQ_MNESIA_BASE: join(node.directory, 'mnesia'),
    RABBITMQ_LOG_BASE: join(node.directory, 'log'),
    RABBITMQ_PID_FILE: join(node.directory, 'pid'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(node.directory, 'enabled_plugins'),
  };
}

function rabbitmqOwner(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'rabbitmq'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** A fresh base directory owned by user rabbitmq (the server scripts run the node as that user). */
export function makeClusterDirectory(): string {
  const base = join(tmpdir(), `${DIRECTORY_PREFIX}${process.pid}-${Date.now().toString(36)}`);
  const owner = rabbitmqOwner();
  mkdirSync(base, { recursive: true });
  chownSync(base, owner.uid, owner.gid);
  for (const node of clusterNodes(base)) {
    mkdirSync(node.directory);
    // The machine's own config binds 5672; each node gets a file of its own that binds only its port.
    writeFileSync(join(node.directory, 'rabbitmq.conf'), `listeners.tcp.1 = 127.0.0.1:${node.amqpPort}\n`);
    writeFileSync(join(node.directory, 'enabled_plugins'), '[].\n');
    for (const path of [node.directory, join(node.directory, 'rabbitmq.conf'), join(node.directory, 'enabled_plugins')]) {
      chownSync(path, owner.uid, owner.gid);
    }
  }
  return base;
}

/** Boots one node (again, after a kill: same variables, same data) and waits until its app runs. */
export async function bootNode(node: ClusterNode): Promise<void> {
  const result = await run('rabbitmq-server', ['-detached'], { env: nodeEnvironment(node) });
  if (result.code !== 0) throw new Error(`rabbitmq-server -detached for ${node.name} failed (${result.code}): ${result.output}`);
  // await_startup fails while the VM is not registered yet, so wait for it to answer at all first.
  await eventually(() => nodeAnswers(node.name), (up) => up, { timeoutMs: 60_000, intervalMs: 250, what: `${node.name} to answer` });
  await ctl(node, ['await_startup'], 90_000);
}

export async function joinCluster(node: ClusterNode, seed: ClusterNode): Promise<void> {
  await ctl(node, ['stop_app']);
  await ctl(node, ['join_cluster', seed.name]);
  await ctl(node, ['start_app']);
  await ctl(node, ['await_startup'], 90_000);
}

export async function stopApp(node: ClusterNode): Promise<void> {
  await ctl(node, ['stop_app']);
}

export async function startApp(node: ClusterNode): Promise<void> {
  await ctl(node, ['start_app'], 90_000);
  await ctl(node, ['await_startup'], 90_000);
}

/** The node's Erlang VM, asked by the node itself: the pid to SIGKILL. */
export async function nodeOsPid(node: ClusterNode): Promise<number> {
  const pid = Number(/\d+/.exec(await ctl(node, ['eval', 'os:getpid().']))?.[0]);
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`${node.name} did not tell its OS pid`);
  return pid;
}

/** SIGKILLs the node's VM, as a machine crash would; returns the pid it killed. */
export async function sigkillNode(node: ClusterNode): Promise<number> {
  const pid = await nodeOsPid(node);
  process.kill(pid, 'SIGKILL');
  return pid;
}

/** Waits until `witness` no longer counts `node` among the running nodes of the cluster. */
export async function awaitNodeGone(node: ClusterNode, witness: ClusterNode): Promise<void> {
  await eventually(() => runningNodes(witness), (names) => !names.includes(node.name), {
    timeoutMs: 30_000,
    intervalMs: 250,
    what: `${witness.name} to see ${node.name} gone`,
  });
}

export async function runningNodes(from: ClusterNode): Promise<string[]> {
  const status = JSON.parse(await ctl(from, ['cluster_status', '--formatter', 'json'])) as { running_nodes?: string[] };
  return status.running_nodes ?? [];
}

export interface QueueMembership {
  name: string;
  type: string;
  leader: string;
  members: string[];
  online: string[];
}

export async function queueMembership(from: ClusterNode, queue: string): Promise<QueueMembership | undefined> {
  const rows = JSON.parse(await ctl(from, ['list_queues', 'name', 'type', 'leader', 'members', 'online', '--formatter', 'json'])) as QueueMembership[];
  return rows.find((row) => row.name === queue);
}

/** Ready and unacknowledged messages of one queue, as the broker counts them. */
export async function queueTotals(from: ClusterNode, queue: string): Promise<{ ready: number; unacknowledged: number } | undefined> {
  const rows = JSON.parse(await ctl(from, ['list_queues', 'name', 'messages_ready', 'messages_unacknowledged', '--formatter', 'json'])) as Array<{
    name: string;
    messages_ready: number;
    messages_unacknowledged: number;
  }>;
  const row = rows.find((candidate) => candidate.name === queue);
  return row === undefined ? undefined : { ready: row.messages_ready, unacknowledged: row.messages_unacknowledged };
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

function ownerPidOf(directory: string): number | undefined {
  const match = new RegExp(`${DIRECTORY_PREFIX}(\\d+)-`).exec(directory);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The data directory a running VM was started with, from its environment (readable by root, who runs this). */
function mnesiaBaseOf(pid: number): string | undefined {
  try {
    const variables = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return variables.find((entry) => entry.startsWith('RABBITMQ_MNESIA_BASE='))?.slice('RABBITMQ_MNESIA_BASE='.length);
  } catch {
    return undefined;
  }
}

/**
 * Before a run: a node of this harness left running by a run that died (its
 * owner's pid is gone) is stopped and its directory removed. Anything else
 * holding our names or ports is not ours, so the run refuses to start rather
 * than stop it.
 */
export async function clearLeftovers(): Promise<string[]> {
  const actions: string[] = [];
  for (const node of clusterNodes(tmpdir())) {
    if (await nodeAnswers(node.name)) {
      const pid = await nodeOsPid(node);
      const base = mnesiaBaseOf(pid);
      const owner = base === undefined ? undefined : ownerPidOf(base);
      if (owner === undefined || processAlive(owner)) {
        throw new Error(`a RabbitMQ node named ${node.name} already runs (pid ${pid}, data ${base ?? 'unknown'}) and this run did not start it; stop it first`);
      }
      await stopNode(node);
      actions.push(`stopped ${node.name} left by dead run ${owner}`);
    }
    for (const port of [node.amqpPort, node.distPort]) {
      if (!(await portFree(port))) throw new Error(`port ${port} is taken; the cluster test needs ${node.amqpPort} and ${node.distPort} for ${node.name}`);
    }
  }
  for (const entry of readdirSync(tmpdir())) {
    const owner = ownerPidOf(entry);
    if (entry.startsWith(DIRECTORY_PREFIX) && owner !== undefined && !processAlive(owner)) {
      rmSync(join(tmpdir(), entry), { recursive: true, force: true });
    }
  }
  return actions;
}

/** Stops one node gracefully; SIGKILLs its VM if it does not stop in time. */
export async function stopNode(node: ClusterNode): Promise<void> {
  if (!(await nodeAnswers(node.name))) return;
  const pid = await nodeOsPid(node).catch(() => undefined);
  const stopped = await run('rabbitmqctl', ['-q', '-n', node.name, 'stop'], { timeoutMs: 30_000 });
  if (stopped.code !== 0 && pid !== undefined) process.kill(pid, 'SIGKILL');
}

/**
 * The last resort when the test process is about to exit without its
 * teardown: SIGKILLs, synchronously, every VM whose pid file is under the
 * base directory and that was started from it.
 */
export function killClusterNow(baseDirectory: string): void {
  for (const node of clusterNodes(baseDirectory)) {
    const pidFile = join(node.directory, 'pid');
    if (!existsSync(pidFile)) continue;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 1 || mnesiaBaseOf(pid) !== join(node.directory, 'mnesia')) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
