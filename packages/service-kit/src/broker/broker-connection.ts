import type { ChannelModel } from 'amqplib';
import type { Logger } from '../observability/logger.js';
import type { Registry } from '../observability/metrics.js';
import { DependencyUnavailableError } from '../lifecycle/startup-errors.js';
import { sleep } from '../lifecycle/sleep.js';
import { observeBrokerConnection } from './broker-metrics.js';
import { describeNode } from './broker-node.js';
import { closeModel, openAndSetUp } from './open-node.js';
import { topologyMismatch } from './declare-errors.js';
import { nextFailoverStep, type FailoverPolicy, type FailoverStep } from './failover-plan.js';

export interface BrokerConnectionOptions {
  /** One or more nodes of one cluster (RABBITMQ_URL split on commas). */
  urls: readonly string[];
  /** Shown in RabbitMQ's management UI, so an operator can tell the processes apart. */
  connectionName: string;
  logger: Logger;
  /** Where to report the connection (rabbitmq_connected, _blocked, _failovers_total, _connected_node). */
  metrics?: Registry;
  /**
   * Runs after every (re)connect, before the connection counts as up: declare
   * topology, attach channels, start consuming. If it fails, that connection
   * is closed and the next attempt made, as if the node had not answered.
   */
  setup?: (model: ChannelModel) => Promise<void>;
  /** Rounds over the whole list at start before giving up with one line (default 2). */
  startupRounds?: number;
  failover?: FailoverPolicy;
  /** For tests: the randomness of the jitter. */
  random?: () => number;
}

/** A connection to one node of the cluster at a time, moving to another when it is lost. */
export interface BrokerConnection {
  /** True while a connection is open and its setup has run. */
  isConnected(): boolean;
  /** host:port of the node connected to now, undefined while reconnecting. */
  currentNode(): string | undefined;
  /** True while the broker blocks publishing on this connection (memory or disk alarm). */
  isBlocked(): boolean;
  /** A channel on the current connection, for one-shot work (CLIs); rejects while disconnected. */
  createChannel(): ReturnType<ChannelModel['createChannel']>;
  createConfirmChannel(): ReturnType<ChannelModel['createConfirmChannel']>;
  /** Stop reconnecting and close the connection (its channels close with it). */
  close(): Promise<void>;
}

const DEFAULT_FAILOVER: FailoverPolicy = { initialDelayMs: 200, maxDelayMs: 5_000 };

/**
 * Connects to the first node of the list that answers, then keeps a
 * connection up for as long as the process runs: when it is lost, the next
 * nodes are tried in order with jittered backoff (see failover-plan.ts for
 * why in order), and each change of node is logged once. At start, a list
 * that does not answer within `startupRounds` rounds fails with one line (a
 * DependencyUnavailableError), and a declaration the broker refuses because
 * a queue exists with other arguments fails with one line naming the queue.
 */
export async function connectToBroker(options: BrokerConnectionOptions): Promise<BrokerConnection> {
  const { urls } = options;
  const nodes = urls.map(describeNode);
  if (nodes.length === 0) throw new Error('connectToBroker needs at least one URL');
  const { logger } = options;
  const policy = options.failover ?? DEFAULT_FAILOVER;
  const stopping = new AbortController();
  const isStopping = () => stopping.signal.aborted;
  let model: ChannelModel | undefined;
  let index = nodes.length - 1;
  let lastNode: string | undefined;
  let blocked = false;
  const metrics = observeBrokerConnection(options.metrics, {
    nodes,
    currentNode: () => (model === undefined ? undefined : nodes[index]),
    isBlocked: () => blocked,
  });

  /** One attempt on one node: open, set up, and watch it. Throws when the attempt fails. */
  async function attempt(node: number): Promise<void> {
    const opened = await openAndSetUp(urls[node] ?? '', options.connectionName, logger, options.setup);
    if (stopping.signal.aborted) {
      await closeModel(opened);
      return;
    }
    watchBlocking(opened, nodes[node], logger, (now) => {
      blocked = now;
    });
    opened.on('close', (error?: Error) => {
      if (model !== opened) return;
      model = undefined;
      blocked = false;
      if (stopping.signal.aborted) return;
      const next = nodes.length > 1 ? 'trying the next node' : 'reconnecting';
      logger.warn({ broker: nodes[node], err: error }, `lost the RabbitMQ connection; ${next}`);
      void reconnect();
    });
    index = node;
    model = opened;
    if (announceNode(logger, nodes[node], lastNode)) metrics.failedOver();
    lastNode = nodes[node];
  }

  async function reconnect(): Promise<void> {
    // Each distinct failure is logged once per outage, not once per attempt.
    const reported = new Set<string>();
    for (let failures = 0; !stopping.signal.aborted; failures += 1) {
      const step = nextFailoverStep(nodes.length, index, failures, policy, options.random);
      await sleep(step.delayMs, stopping.signal);
      if (isStopping()) return;
      try {
        await attempt(step.node);
        return;
      } catch (error) {
        index = step.node;
        const line = topologyMismatch(error)?.message ?? `${nodes[step.node] ?? ''}: ${(error as Error).message}`;
        if (!reported.has(line)) {
          reported.add(line);
          logger.warn({ broker: nodes[step.node], err: error }, `RabbitMQ reconnect attempt failed; retrying with backoff: ${line}`);
        }
      }
    }
  }

  await connectAtStart(nodes, options.startupRounds ?? 2, (failures, node) => nextFailoverStep(nodes.length, node, failures, policy, options.random), attempt);

  return {
    isConnected: () => model !== undefined,
    currentNode: () => (model === undefined ? undefined : nodes[index]),
    isBlocked: () => blocked,
    createChannel: async () => connected(model).createChannel(),
    createConfirmChannel: async () => connected(model).createConfirmChannel(),
    async close() {
      stopping.abort();
      const open = model;
      model = undefined;
      if (open !== undefined) await closeModel(open);
    },
  };
}

/**
 * The first round goes straight through the list; later rounds back off.
 * A declaration refused for a queue's arguments stops at once: no other
 * node can answer it differently.
 */
async function connectAtStart(
  nodes: readonly string[],
  rounds: number,
  step: (failures: number, node: number) => FailoverStep,
  attempt: (node: number) => Promise<void>,
): Promise<void> {
  let lastError: unknown;
  for (let failures = 0; failures < nodes.length * rounds; failures += 1) {
    const node = failures % nodes.length;
    if (failures >= nodes.length) await sleep(step(failures - nodes.length, node).delayMs);
    try {
      await attempt(node);
      return;
    } catch (error) {
      const mismatch = topologyMismatch(error);
      if (mismatch !== undefined) throw mismatch;
      lastError = error;
    }
  }
  throw new DependencyUnavailableError('RabbitMQ', nodes.join(', '), lastError);
}

function connected(model: ChannelModel | undefined): ChannelModel {
  if (model === undefined) throw new Error('not connected to RabbitMQ');
  return model;
}

/** The broker says so when a memory or disk alarm blocks publishing on a connection, and when it ends. */
function watchBlocking(model: ChannelModel, node: string | undefined, logger: Logger, setBlocked: (blocked: boolean) => void): void {
  model.on('blocked', (reason: string) => {
    setBlocked(true);
    logger.warn({ broker: node, reason }, 'RabbitMQ blocks publishing on this connection (resource alarm)');
  });
  model.on('unblocked', () => {
    setBlocked(false);
    logger.info({ broker: node }, 'RabbitMQ unblocked publishing');
  });
}

/** Logs a connection once; returns true when it is on another node than the previous one (a failover). */
function announceNode(logger: Logger, node: string | undefined, previous: string | undefined): boolean {
  if (previous !== undefined && previous !== node) {
    logger.warn({ broker: node, from: previous }, 'connected to another RabbitMQ node (failover)');
    return true;
  }
  logger.info({ broker: node }, previous === undefined ? 'connected to RabbitMQ' : 'reconnected to RabbitMQ');
  return false;
}
