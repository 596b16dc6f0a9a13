import type { TestProject } from 'vitest/node';
import setupTestDatabases from '../../support/global-setup.js';
import { bootNode, clearLeftovers, clusterNodes, joinCluster, killClusterNow, makeClusterDirectory, runningNodes, stopNode } from './rabbitmq-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    rabbitClusterDirectory: string;
  }
}

/**
 * `npm run test:cluster`'s global setup: the usual template databases, and a
 * fresh three-node RabbitMQ cluster (nodes 2 and 3 joined to node 1). The
 * cluster is stopped by the teardown, and, should the run end without one
 * (an exception, process.exit, a signal), its VMs are killed on the way out.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const leftovers = await clearLeftovers();
  if (leftovers.length > 0) process.stdout.write(`cluster: before the run: ${leftovers.join('; ')}\n`);

  const base = makeClusterDirectory();
  const nodes = clusterNodes(base);
  const killOnExit = () => killClusterNow(base);
  const killOnSignal = (signal: NodeJS.Signals) => {
    killClusterNow(base);
    // Without another listener the signal would now be swallowed: exit as it would have.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.once('exit', killOnExit);
  process.once('SIGINT', killOnSignal);
  process.once('SIGTERM', killOnSignal);
  const teardownCluster = async () => {
    // Node 1 last: the others leave a running peer behind them, which keeps the shutdown quick.
    for (const node of [...nodes].reverse()) await stopNode(node).catch(() => undefined);
    killClusterNow(base);
    process.removeListener('exit', killOnExit);
    process.removeListener('SIGINT', killOnSignal);
    process.removeListener('SIGTERM', killOnSignal);
  };

  let teardownDatabases: () => Promise<void>;
  try {
    const startedAt = Date.now();
    // Booted side by side (each takes seconds), then joined one at a time, as join_cluster requires.
    await Promise.all(nodes.map((node) => bootNode(node)));
    const [seed, ...others] = nodes;
    if (seed === undefined) throw new Error('a cluster needs nodes');
    for (const node of others) await joinCluster(node, seed);
    const running = await runningNodes(seed);
    if (running.length !== nodes.length) throw new Error(`the cluster formed with ${running.join(', ')} only`);
    process.stdout.write(`cluster: ${running.join(', ')} running in ${((Date.now() - startedAt) / 1000).toFixed(1)} s; data in ${base}\n`);
    project.provide('rabbitClusterDirectory', base);
    teardownDatabases = await setupTestDatabases(project);
  } catch (error) {
    await teardownCluster();
    throw error;
  }

  return async () => {
    try {
      await teardownDatabases();
    } finally {
      await teardownCluster();
    }
  };
}
