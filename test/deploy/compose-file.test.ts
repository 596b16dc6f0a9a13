import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// docker-compose.yml resolved by docker-compose itself (Docker cannot run
// here; `docker-compose config` parses, merges and interpolates like `up`).

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const HOST_PORTS = {
  ORDER_SERVICE_HOST_PORT: 3001,
  CUSTOMER_SERVICE_HOST_PORT: 3002,
  CONSOLE_HOST_PORT: 3003,
  RABBITMQ_AMQP_HOST_PORT: 5672,
  RABBITMQ_MANAGEMENT_HOST_PORT: 15672,
  ORDER_DB_HOST_PORT: 5433,
  CUSTOMER_DB_HOST_PORT: 5434,
  PROMETHEUS_HOST_PORT: 9090,
  GRAFANA_HOST_PORT: 3000,
};

const hasDockerCompose = await promisify(execFile)('docker-compose', ['version']).then(
  () => true,
  () => false,
);

async function resolvedCompose(envFile: string, profiles: string[]): Promise<string> {
  const args = ['--env-file', envFile, ...profiles.flatMap((profile) => ['--profile', profile]), 'config'];
  const { stdout } = await promisify(execFile)('docker-compose', args, { cwd: repositoryRoot });
  return stdout;
}

/** Published host ports in the resolved file, as "host:container" (docker-compose 1.x prints the short form). */
function publishedPorts(resolved: string): string[] {
  return [...resolved.matchAll(/- (?:\d+\.\d+\.\d+\.\d+:)?(\d+):(\d+)\/?\w*$/gm)].map((match) => `${match[1] ?? ''}:${match[2] ?? ''}`);
}

describe.skipIf(!hasDockerCompose)('docker-compose.yml', () => {
  it('takes every host port from .env, with today’s ports as the defaults', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'compose-'));
    try {
      const example = readFileSync(join(repositoryRoot, '.env.example'), 'utf8');
      const defaults = publishedPorts(await resolvedCompose(join(repositoryRoot, '.env.example'), ['observability']));
      expect(defaults.map((port) => Number(port.split(':')[0])).sort()).toEqual(Object.values(HOST_PORTS).sort());

      const moved = Object.entries(HOST_PORTS).map(([name, port]) => `${name}=${port + 40_000}`);
      const envFile = join(directory, '.env');
      writeFileSync(envFile, `${example}\n${moved.join('\n')}\n`);
      const remapped = publishedPorts(await resolvedCompose(envFile, ['observability']));
      expect(remapped.map((port) => Number(port.split(':')[0])).sort()).toEqual(Object.values(HOST_PORTS).map((port) => port + 40_000).sort());
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('builds the image once and runs it in every app service, ops_console included', async () => {
    const resolved = await resolvedCompose(join(repositoryRoot, '.env.example'), []);
    expect(resolved.match(/^\s+build:$/gm)).toHaveLength(1);
    const appServices = [...resolved.matchAll(/^ {2}([a-z_0-9]+):\n(?: {4}.*\n)*? {4}image: orders-backend:local$/gm)].map((match) => match[1]);
    expect(appServices.sort()).toEqual(
      ['customer_db_setup', 'customer_service', 'ops_console', 'order_created_consumer', 'order_db_setup', 'order_outbox_worker', 'order_service'].sort(),
    );
  });

  it('runs three clustered RabbitMQ nodes in the cluster profile, and the processes list all three', async () => {
    const resolved = await resolvedCompose(join(repositoryRoot, '.env.example'), ['cluster']);
    for (const node of ['rabbitmq', 'rabbitmq2', 'rabbitmq3']) expect(resolved).toMatch(new RegExp(`^ {4}hostname: ${node}$`, 'm'));
    const urls = [...resolved.matchAll(/RABBITMQ_URL: (.*)$/gm)].map((match) => match[1] ?? '');
    expect(urls.length).toBeGreaterThanOrEqual(3);
    for (const url of urls) expect(url.split(',').map((node) => new URL(node).host)).toEqual(['rabbitmq:5672', 'rabbitmq2:5672', 'rabbitmq3:5672']);
    const peers = readFileSync(join(repositoryRoot, 'deploy/rabbitmq/cluster.conf'), 'utf8');
    expect(peers).toContain('cluster_formation.peer_discovery_backend = classic_config');
    for (const [index, node] of ['rabbitmq', 'rabbitmq2', 'rabbitmq3'].entries()) {
      expect(peers).toContain(`cluster_formation.classic_config.nodes.${index + 1} = rabbit@${node}`);
    }
  });
});
