import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createIsolatedDatabases } from '../support/isolated-databases.js';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

async function start(entry: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, [entry], { cwd: repositoryRoot, env: { ...process.env, LOG_LEVEL: 'warn', ...env } });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stderr, stdout };
}

describe('a process that cannot start', () => {
  it('stops on a malformed setting with one line naming the variable', async () => {
    const result = await start('services/order-service/dist/main.js', { PORT: 'eighty' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('order_service: PORT must be an integer, got "eighty"\n');
  });

  it('says in one line which database it cannot reach and how to start it', async () => {
    const result = await start('services/customer-service/dist/main.js', { DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:1/customer_service' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^customer_service: cannot reach PostgreSQL at 127\.0\.0\.1:1\/customer_service \(connection refused\); is it running/);
  });

  it('says in one line which broker it cannot reach', async () => {
    const databases = await createIsolatedDatabases();
    try {
      const result = await start('services/order-service/dist/outbox-worker.js', {
        DATABASE_URL: databases.orderDatabaseUrl,
        RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:1',
        METRICS_PORT: '0',
      });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^order_outbox_worker: cannot reach RabbitMQ at 127\.0\.0\.1:1 \(connection refused\); is it running/);
    } finally {
      await databases.drop();
    }
  });

  it('says in one line when its database has not been set up', async () => {
    const result = await start('services/order-service/dist/outbox-worker.js', { DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:5432/postgres' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('order_outbox_worker: database 127.0.0.1:5432/postgres has no outbox_events table; run npm run db:setup first\n');
  });

  it('refuses the development API key in production', async () => {
    const result = await start('services/order-service/dist/main.js', { NODE_ENV: 'production', DATABASE_URL: 'postgres://app:secret@127.0.0.1:1/x' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('order_service: INTERNAL_API_KEY must be set to a secret of your own when NODE_ENV=production\n');
  });
});
