import { ConfigError, readInteger, readString, readUrl, type Env } from './env-readers.js';

/**
 * DATABASE_URL wins; without it the seed system's POSTGRES_* variables are
 * honoured, so a deployment written for the seed keeps working.
 */
export function readDatabaseUrl(env: Env, defaultDatabase: string): string {
  if (env.DATABASE_URL !== undefined && env.DATABASE_URL.trim() !== '') {
    return readUrl(env, 'DATABASE_URL', '', ['postgres:', 'postgresql:']);
  }
  const url = new URL('postgres://127.0.0.1');
  url.hostname = readString(env, 'POSTGRES_HOST', '127.0.0.1');
  url.port = String(readInteger(env, 'POSTGRES_PORT', 5432, { min: 1, max: 65535 }));
  url.username = encodeURIComponent(readString(env, 'POSTGRES_USER', 'postgres'));
  url.password = encodeURIComponent(readString(env, 'POSTGRES_PASSWORD', 'postgres'));
  url.pathname = `/${encodeURIComponent(readString(env, 'POSTGRES_DB', defaultDatabase))}`;
  return url.toString();
}

/**
 * The broker's nodes. RABBITMQ_URL wins and may list the nodes of one cluster
 * separated by commas (each one a full amqp:// or amqps:// URL); otherwise
 * RABBITMQ_HOST/PORT/USER/PASSWORD as in the seed, which name one node.
 */
export function readRabbitUrls(env: Env): string[] {
  if (env.RABBITMQ_URL !== undefined && env.RABBITMQ_URL.trim() !== '') {
    const listed = env.RABBITMQ_URL.split(',').map((entry) => entry.trim());
    if (listed.some((entry) => entry === '')) throw new ConfigError('RABBITMQ_URL has an empty entry in its comma-separated list');
    return listed.map((entry, index) => {
      const label = listed.length === 1 ? 'RABBITMQ_URL' : `RABBITMQ_URL (node ${index + 1})`;
      return readUrl({ [label]: entry }, label, '', ['amqp:', 'amqps:']);
    });
  }
  const url = new URL('amqp://127.0.0.1');
  url.hostname = readString(env, 'RABBITMQ_HOST', '127.0.0.1');
  url.port = String(readInteger(env, 'RABBITMQ_PORT', 5672, { min: 1, max: 65535 }));
  url.username = encodeURIComponent(readString(env, 'RABBITMQ_USER', 'guest'));
  url.password = encodeURIComponent(readString(env, 'RABBITMQ_PASSWORD', 'guest'));
  return [url.toString()];
}

/**
 * A secret with a development default. In production the default is
 * refused (it is public in this repository), and so is one shorter than
 * `minLength`.
 */
export function readSecret(env: Env, name: string, developmentDefault: string, minLength: number, production: boolean): string {
  const value = readString(env, name, developmentDefault);
  if (production && value === developmentDefault) {
    throw new ConfigError(`${name} must be set to a secret of your own when NODE_ENV=production`);
  }
  if (production && value.length < minLength) {
    throw new ConfigError(`${name} must be at least ${minLength} characters when NODE_ENV=production`);
  }
  return value;
}

/** The shared secret between the services (X-Internal-Api-Key). */
export function readInternalApiKey(env: Env, production: boolean): string {
  return readSecret(env, 'INTERNAL_API_KEY', 'dev-internal-key', 16, production);
}

/** Refuses the well-known development credentials in production. */
export function assertNoDefaultCredentials(name: string, url: string, production: boolean): void {
  if (!production) return;
  const parsed = new URL(url);
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  const defaults = [
    ['postgres', 'postgres'],
    ['guest', 'guest'],
  ];
  if (password === '' || defaults.some(([u, p]) => u === user && p === password)) {
    throw new ConfigError(`${name} uses default or empty credentials, refused when NODE_ENV=production`);
  }
}
