import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messagingTopology } from '@orders/contracts';
import { deleteTopology, eventually, freePort, freeStablePort } from '@orders/test-support';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import { TEST_API_KEY, unique } from '../support/running-services.js';
import { TEST_RABBITMQ_URL } from '../support/test-environment.js';

// `npm start` as a process manager runs it: the stop signal goes to the npm
// process itself, not to a terminal's process group.

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

let databases: IsolatedDatabases;
/** Each run's queues and exchanges, removed at the end like its databases. */
const topologyPrefixes: string[] = [];

beforeAll(async () => {
  databases = await createIsolatedDatabases();
});

afterAll(async () => {
  await databases.drop();
  for (const prefix of topologyPrefixes) await deleteTopology(TEST_RABBITMQ_URL, messagingTopology(prefix));
});

// ops_console guards every route, health included, with HTTP Basic (the development password here).
const consoleCredentials = `Basic ${Buffer.from('admin:dev-console-password').toString('base64')}`;

async function answers(url: string): Promise<number> {
  try {
    const response = await fetch(url, { headers: { authorization: consoleCredentials }, signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.status;
  } catch {
    return 0;
  }
}

/** Every process on its own ports and the test's databases and topology, through npm start's per-process variables. */
async function isolatedEnvironment(): Promise<{ env: NodeJS.ProcessEnv; readyUrls: string[] }> {
  const [orderPort, customerPort, workerPort, consumerPort, consolePort] = [
    await freeStablePort(),
    await freeStablePort(),
    await freePort(),
    await freePort(),
    await freeStablePort(),
  ];
  const topologyPrefix = `${unique('npm-start')}.`;
  topologyPrefixes.push(topologyPrefix);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    INTERNAL_API_KEY: TEST_API_KEY,
    RABBITMQ_URL: TEST_RABBITMQ_URL,
    RABBITMQ_TOPOLOGY_PREFIX: topologyPrefix,
    ORDER_DATABASE_URL: databases.orderDatabaseUrl,
    CUSTOMER_DATABASE_URL: databases.customerDatabaseUrl,
    ORDER_SERVICE__PORT: String(orderPort),
    ORDER_SERVICE__DATABASE_URL: databases.orderDatabaseUrl,
    ORDER_SERVICE__CUSTOMER_SERVICE_URL: `http://127.0.0.1:${customerPort}`,
    CUSTOMER_SERVICE__PORT: String(customerPort),
    CUSTOMER_SERVICE__DATABASE_URL: databases.customerDatabaseUrl,
    ORDER_OUTBOX_WORKER__DATABASE_URL: databases.orderDatabaseUrl,
    ORDER_OUTBOX_WORKER__METRICS_PORT: String(workerPort),
    ORDER_CREATED_CONSUMER__DATABASE_URL: databases.customerDatabaseUrl,
    ORDER_CREATED_CONSUMER__METRICS_PORT: String(consumerPort),
    OPS_CONSOLE__CONSOLE_PORT: String(consolePort),
    OPS_CONSOLE__ORDER_SERVICE_URL: `http://127.0.0.1:${orderPort}`,
    OPS_CONSOLE__CUSTOMER_SERVICE_URL: `http://127.0.0.1:${customerPort}`,
    OPS_CONSOLE__OUTBOX_WORKER_URL: `http://127.0.0.1:${workerPort}`,
    OPS_CONSOLE__ORDER_CREATED_CONSUMER_URL: `http://127.0.0.1:${consumerPort}`,
  };
  const readyUrls = [orderPort, customerPort, workerPort, consumerPort, consolePort].map((port) => `http://127.0.0.1:${port}/health/ready`);
  return { env, readyUrls };
}

describe('npm start', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`stops every process gracefully when ${signal} is sent to the npm process itself`, async () => {
      const { env, readyUrls } = await isolatedEnvironment();
      // Its own process group, so the signal reaches npm alone, as from systemd or a container stop.
      const npm = spawn('npm', ['start'], { cwd: repositoryRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
        npm.once('exit', (code, exitSignal) => resolve({ code, signal: exitSignal }));
      });
      const pid = npm.pid ?? 0;
      try {
        for (const url of readyUrls) {
          await eventually(() => answers(url), (status) => status === 200, { timeoutMs: 90_000, intervalMs: 200, what: `${url} ready` }).catch(
            (error: unknown) => {
              throw new Error(`${String(error)}\nnpm start's output:\n${output}`);
            },
          );
        }
        process.kill(pid, signal);
        const exit = await Promise.race([
          exited,
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`npm start still runs 30 s after ${signal}:\n${output}`)), 30_000)),
        ]);
        // npm re-raises the signal on itself once its child has exited (or exits 0/1).
        expect(exit.signal === signal || exit.code === 0, JSON.stringify(exit)).toBe(true);
        expect(output).toContain(`${signal}: stopping every process gracefully`);
        expect(output).toContain('all processes stopped');
        expect(output).not.toContain('exited unexpectedly');
        expect(output).not.toContain('did not stop within');
        for (const url of readyUrls) expect(await answers(url), url).toBe(0);
        // db:setup ran inside npm start, prefixed and readable like the rest.
        const setupLines = output.split('\n').filter((line) => line.startsWith('db:setup | '));
        expect(setupLines.length).toBeGreaterThanOrEqual(3);
        for (const line of setupLines) expect(line).not.toMatch(/^db:setup \| \{/);
      } finally {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // Already gone, as it should be.
        }
      }
    }, 150_000);
  }
});
