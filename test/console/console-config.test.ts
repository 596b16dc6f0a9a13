import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../packages/service-kit/src/index.js';
import { loadConfig } from '../../services/ops-console/src/config.js';
import { createCredentialCheck } from '../../services/ops-console/src/http/basic-auth.js';

const production = {
  NODE_ENV: 'production',
  ORDER_DATABASE_URL: 'postgres://ops:s3cret-pass@db:5432/order_service',
  CUSTOMER_DATABASE_URL: 'postgres://ops:s3cret-pass@db:5432/customer_service',
  RABBITMQ_URL: 'amqp://ops:s3cret-pass@mq:5672',
};

describe('ops_console configuration', () => {
  it('has the contract defaults for development', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3003, password: 'dev-console-password' });
    expect(config.processes.map((process) => process.url)).toEqual([
      'http://127.0.0.1:3001',
      'http://127.0.0.1:3002',
      'http://127.0.0.1:3011',
      'http://127.0.0.1:3012',
    ]);
    expect(config.orderDatabaseUrl).toMatch(/\/order_service$/);
    expect(config.customerDatabaseUrl).toMatch(/\/customer_service$/);
  });

  it('refuses the default or a short password with NODE_ENV=production', () => {
    expect(() => loadConfig(production)).toThrow(new ConfigError('CONSOLE_PASSWORD must be set to a secret of your own when NODE_ENV=production'));
    expect(() => loadConfig({ ...production, CONSOLE_PASSWORD: 'short' })).toThrow(/CONSOLE_PASSWORD must be at least 12 characters/);
    expect(loadConfig({ ...production, CONSOLE_PASSWORD: 'a-long-operator-secret' }).password).toBe('a-long-operator-secret');
  });

  it('stops at a malformed value with one line naming the variable', () => {
    expect(() => loadConfig({ CONSOLE_PORT: 'eighty' })).toThrow(/^CONSOLE_PORT must be an integer/);
    expect(() => loadConfig({ ORDER_CREATED_CONSUMER_URL: 'ftp://x' })).toThrow(/^ORDER_CREATED_CONSUMER_URL must use http: or https:/);
    expect(() => loadConfig({ ORDER_DATABASE_URL: 'not a url' })).toThrow(/^ORDER_DATABASE_URL is not a valid URL/);
  });

  it('accepts only admin with the password, in any letter case of the scheme', () => {
    const check = createCredentialCheck('pw-123');
    const basic = (text: string, scheme = 'Basic') => `${scheme} ${Buffer.from(text).toString('base64')}`;
    expect(check(basic('admin:pw-123'))).toBe(true);
    expect(check(basic('admin:pw-123', 'basic'))).toBe(true);
    for (const refused of [undefined, '', basic('admin:pw-1234'), basic('Admin:pw-123'), basic('admin'), 'Basic !!!', basic('admin:pw-123', 'Bearer')]) {
      expect(check(refused), String(refused)).toBe(false);
    }
  });
});
