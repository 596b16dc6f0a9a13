import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

async function setup(entry: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, [entry], { cwd: repositoryRoot, env: { PATH: process.env.PATH ?? '', ...env } });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stderr, stdout };
}

describe('db:setup with NODE_ENV=production', () => {
  it('refuses the default database credentials with one line, before connecting, for both databases', async () => {
    for (const [entry, name] of [
      ['services/order-service/dist/db/setup.js', 'order_service'],
      ['services/customer-service/dist/db/setup.js', 'customer_service'],
    ] as const) {
      // Unreachable port: had it tried to connect, the line would be about the connection instead.
      const settings: Record<string, string>[] = [{ DATABASE_URL: `postgres://postgres:postgres@127.0.0.1:1/${name}` }, { POSTGRES_PORT: '1' }];
      for (const env of settings) {
        const result = await setup(entry, { NODE_ENV: 'production', ...env });
        expect(result.code).toBe(1);
        expect(result.stdout).toBe('');
        expect(result.stderr).toBe(`${name} db:setup: DATABASE_URL uses default or empty credentials, refused when NODE_ENV=production\n`);
      }
    }
  });
});
