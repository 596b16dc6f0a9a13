import { databaseUrlOn } from '@orders/test-support';

/**
 * Where tests find PostgreSQL and RabbitMQ. Defaults are the local services;
 * tests never use the development databases or the contract's queue names.
 */
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';
export const TEST_RABBITMQ_URL = process.env.TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** Names of this run's databases start with this, so a crashed run's leftovers can be found and dropped. */
export const TEST_DATABASE_PREFIX = 'orders_test_';

export function databaseUrl(name: string): string {
  return databaseUrlOn(TEST_POSTGRES_URL, name);
}

export function templateName(service: 'order' | 'customer', runId: string): string {
  return `${TEST_DATABASE_PREFIX}${runId}_${service}_template`;
}
