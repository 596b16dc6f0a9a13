import { describe, expect, it } from 'vitest';
import { loadConfig as loadCustomerConfig } from '../../customer-service/src/config.js';
import { loadConfig } from '../src/config.js';

const production = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://app:a-real-secret@db:5432/order_service',
  INTERNAL_API_KEY: 'a-long-production-secret',
};

describe('service configuration', () => {
  it('uses the contract’s defaults when nothing is set', () => {
    const config = loadConfig({}, 'api');
    expect(config.port).toBe(3001);
    expect(config.outbox.metricsPort).toBe(3011);
    expect(config.customerService.url).toBe('http://127.0.0.1:3002');
    expect(config.broker.topology.exchange).toBe('orders.v1');
    expect(loadCustomerConfig({}, 'consumer').consumer.metricsPort).toBe(3012);
  });

  it('refuses in production only the default secrets the process actually uses', () => {
    // The API never talks to RabbitMQ, so default broker credentials do not stop it.
    expect(() => loadConfig(production, 'api')).not.toThrow();
    expect(() => loadConfig(production, 'outbox-worker')).toThrow(/RABBITMQ_URL uses default or empty credentials/);
    expect(() => loadConfig({ ...production, RABBITMQ_URL: 'amqp://app:secret@mq' }, 'outbox-worker')).not.toThrow();
    // The worker never checks customers, so it needs no API key.
    const withoutKey = { NODE_ENV: production.NODE_ENV, DATABASE_URL: production.DATABASE_URL };
    expect(() => loadConfig({ ...withoutKey, RABBITMQ_URL: 'amqp://app:secret@mq' }, 'outbox-worker')).not.toThrow();
    expect(() => loadConfig(withoutKey, 'api')).toThrow(/INTERNAL_API_KEY must be set/);
    expect(() => loadCustomerConfig({ ...production, DATABASE_URL: 'postgres://postgres:postgres@db/customer_service' }, 'api')).toThrow(
      /DATABASE_URL uses default or empty credentials/,
    );
  });

  it('stops on a malformed value with a message naming the variable', () => {
    expect(() => loadConfig({ OUTBOX_BATCH_SIZE: 'lots' }, 'outbox-worker')).toThrow('OUTBOX_BATCH_SIZE must be an integer, got "lots"');
    expect(() => loadConfig({ OUTBOX_WAKEUP: 'sometimes' }, 'outbox-worker')).toThrow('OUTBOX_WAKEUP must be one of notify, poll, got "sometimes"');
    expect(() => loadCustomerConfig({ CONSUMER_PREFETCH: '0' }, 'consumer')).toThrow('CONSUMER_PREFETCH must be between 1 and 65535, got 0');
  });
});
