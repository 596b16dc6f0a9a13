import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, freeStablePort } from '@orders/test-support';
import { createIsolatedDatabases, type IsolatedDatabases } from '../support/isolated-databases.js';
import { TEST_RABBITMQ_URL } from '../support/test-environment.js';
import { AUTHORIZATION, CONSOLE_PASSWORD } from './console-harness.js';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
let databases: IsolatedDatabases;

beforeAll(async () => {
  databases = await createIsolatedDatabases();
});

afterAll(async () => {
  await databases.drop();
});

/** The built entry point, as npm run start:console runs it. */
async function runConsole(rabbitUrl: string, check: (url: string) => Promise<void>): Promise<{ code: number | null; output: string }> {
  const port = await freeStablePort();
  const child = spawn(process.execPath, ['services/ops-console/dist/main.js'], {
    cwd: repositoryRoot,
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      CONSOLE_PORT: String(port),
      CONSOLE_PASSWORD,
      LOG_PRETTY: 'false',
      ORDER_DATABASE_URL: databases.orderDatabaseUrl,
      CUSTOMER_DATABASE_URL: databases.customerDatabaseUrl,
      RABBITMQ_URL: rabbitUrl,
      RABBITMQ_TOPOLOGY_PREFIX: 'test.console-process.',
    },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  try {
    await eventually(
      () => fetch(`${url}/health/ready`, { headers: { authorization: AUTHORIZATION } }).then((response) => response.status),
      (status) => status === 200,
      { timeoutMs: 15_000, what: `ops_console ready; output so far:\n${output}` },
    );
    await check(url);
  } finally {
    child.kill('SIGTERM');
  }
  return { code: await exited, output };
}

describe('the ops_console process', () => {
  it('starts, serves the page and the overview, and stops with exit 0 on SIGTERM', async () => {
    const { code, output } = await runConsole(TEST_RABBITMQ_URL, async (url) => {
      const page = await fetch(url, { headers: { authorization: AUTHORIZATION } });
      expect(page.status).toBe(200);
      await eventually(
        () => fetch(`${url}/api/overview`, { headers: { authorization: AUTHORIZATION } }).then((r) => r.json() as Promise<{ broker: { connected: boolean } }>),
        (overview) => overview.broker.connected,
        { what: 'the console connected to RabbitMQ' },
      );
      expect(await (await fetch(`${url}/metrics`, { headers: { authorization: AUTHORIZATION } })).text()).toMatch(/^rabbitmq_connected\{[^}]*\} 1$/m);
    });
    expect(code, output).toBe(0);
    expect(output).toContain('"msg":"stopped"');
  });

  it('starts without RabbitMQ and says so, so the page is there when an operator needs it most', async () => {
    const { code, output } = await runConsole('amqp://guest:guest@127.0.0.1:1', async (url) => {
      const response = await fetch(`${url}/api/overview`, { headers: { authorization: AUTHORIZATION } });
      const overview = (await response.json()) as { broker: { connected: boolean }; problems: string[] };
      expect(overview.broker.connected).toBe(false);
      expect(overview.problems.join(' ')).toMatch(/RabbitMQ does not answer/);
      const replay = await fetch(`${url}/api/dead-letters/replay`, {
        method: 'POST',
        headers: { authorization: AUTHORIZATION, 'content-type': 'application/json' },
        body: '{"all":true}',
      });
      expect(replay.status).toBe(503);
    });
    expect(code, output).toBe(0);
    expect(output).toMatch(/RabbitMQ does not answer; the console runs without it/);
  });
});
