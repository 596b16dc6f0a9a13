import { describe, expect, it } from 'vitest';
import {
  assertNoDefaultCredentials,
  ConfigError,
  readDatabaseUrl,
  readInteger,
  readInternalApiKey,
  readRabbitUrls,
} from '../src/index.js';

describe('configuration', () => {
  it('names the variable in a one-line error for a malformed value', () => {
    expect(() => readInteger({ PORT: 'eighty' }, 'PORT', 3001, { min: 0, max: 65535 })).toThrow(
      new ConfigError('PORT must be an integer, got "eighty"'),
    );
    expect(() => readInteger({ PORT: '70000' }, 'PORT', 3001, { min: 0, max: 65535 })).toThrow(/PORT must be between 0 and 65535/);
    expect(() => readDatabaseUrl({ DATABASE_URL: 'mysql://x' }, 'orders')).toThrow(/DATABASE_URL must use postgres:/);
    expect(() => readRabbitUrls({ RABBITMQ_URL: 'not a url' })).toThrow(/RABBITMQ_URL is not a valid URL/);
  });

  it('builds the database URL from the seed system’s POSTGRES_* variables when DATABASE_URL is unset', () => {
    const url = readDatabaseUrl(
      { POSTGRES_HOST: 'order_db', POSTGRES_PORT: '5433', POSTGRES_USER: 'app', POSTGRES_PASSWORD: 'p@ss', POSTGRES_DB: 'orders_dev' },
      'order_service',
    );
    expect(url).toBe('postgres://app:p%40ss@order_db:5433/orders_dev');
    expect(readDatabaseUrl({}, 'order_service')).toBe('postgres://postgres:postgres@127.0.0.1:5432/order_service');
  });

  it('builds the broker URL from RABBITMQ_* when RABBITMQ_URL is unset', () => {
    expect(readRabbitUrls({ RABBITMQ_HOST: 'rabbitmq', RABBITMQ_USER: 'u', RABBITMQ_PASSWORD: 'p' })).toEqual(['amqp://u:p@rabbitmq:5672']);
  });

  it('refuses the default API key and default credentials in production only', () => {
    expect(readInternalApiKey({}, false)).toBe('dev-internal-key');
    expect(() => readInternalApiKey({}, true)).toThrow(/INTERNAL_API_KEY must be set/);
    expect(() => readInternalApiKey({ INTERNAL_API_KEY: 'dev-internal-key' }, true)).toThrow(/INTERNAL_API_KEY/);
    expect(readInternalApiKey({ INTERNAL_API_KEY: 'a-long-production-secret' }, true)).toBe('a-long-production-secret');
    expect(() => assertNoDefaultCredentials('RABBITMQ_URL', 'amqp://guest:guest@h', true)).toThrow(/default or empty credentials/);
    expect(() => assertNoDefaultCredentials('DATABASE_URL', 'postgres://postgres:postgres@h/db', true)).toThrow(/DATABASE_URL/);
    expect(() => assertNoDefaultCredentials('DATABASE_URL', 'postgres://postgres:postgres@h/db', false)).not.toThrow();
  });
});
