import { messagingTopology, type MessagingTopology } from '@orders/contracts';
import {
  assertNoDefaultCredentials,
  readInteger,
  readInternalApiKey,
  readPort,
  readRabbitUrls,
  readServiceSettings,
  readString,
  type Env,
  type ServiceSettings,
} from '@orders/service-kit';

export interface CustomerServiceConfig extends ServiceSettings {
  internalApiKey: string;
  broker: BrokerSettings;
  consumer: {
    metricsPort: number;
    /** Unacknowledged messages the broker may hand this consumer at once. */
    prefetch: number;
    /** Events applied per database transaction at most. */
    maxBatchSize: number;
    /** Batches applied at the same time by one consumer. */
    maxBatchesInFlight: number;
    /** Attempts for a batch that fails for a transient reason (database down) before its messages are dead-lettered. */
    maxAttempts: number;
    retryBaseMs: number;
    retryMaxMs: number;
    retentionDays: number;
    retentionIntervalMs: number;
  };
}

export interface BrokerSettings {
  /** The broker's nodes: RABBITMQ_URL, which may list the nodes of one cluster separated by commas. */
  urls: readonly string[];
  topology: MessagingTopology;
}

/** Which process reads the config: production refuses the default secrets only where they are used. */
export type CustomerServiceRole = 'api' | 'consumer' | 'operator';

/** The only reader of process.env in customer_service; throws ConfigError on a bad value. */
export function loadConfig(env: Env, role: CustomerServiceRole): Readonly<CustomerServiceConfig> {
  const production = env.NODE_ENV === 'production';
  const service = readServiceSettings(env, { port: 3002, database: 'customer_service' });
  const rabbitUrls = readRabbitUrls(env);
  assertNoDefaultCredentials('DATABASE_URL', service.databaseUrl, production);
  for (const url of rabbitUrls) assertNoDefaultCredentials('RABBITMQ_URL', url, production && role !== 'api');
  return Object.freeze({
    ...service,
    internalApiKey: readInternalApiKey(env, production && role === 'api'),
    broker: { urls: rabbitUrls, topology: messagingTopology(readString(env, 'RABBITMQ_TOPOLOGY_PREFIX', '')) },
    consumer: {
      metricsPort: readPort(env, 'METRICS_PORT', 3012),
      prefetch: readInteger(env, 'CONSUMER_PREFETCH', 500, { min: 1, max: 65_535 }),
      maxBatchSize: readInteger(env, 'CONSUMER_MAX_BATCH_SIZE', 250, { min: 1, max: 10_000 }),
      maxBatchesInFlight: readInteger(env, 'CONSUMER_MAX_BATCHES_IN_FLIGHT', 2, { min: 1, max: 16 }),
      maxAttempts: readInteger(env, 'CONSUMER_MAX_ATTEMPTS', 12, { min: 1, max: 1_000 }),
      retryBaseMs: readInteger(env, 'CONSUMER_RETRY_BASE_MS', 250, { min: 1, max: 600_000 }),
      retryMaxMs: readInteger(env, 'CONSUMER_RETRY_MAX_MS', 30_000, { min: 1, max: 3_600_000 }),
      retentionDays: readInteger(env, 'INBOX_RETENTION_DAYS', 7, { min: 1, max: 3_650 }),
      retentionIntervalMs: readInteger(env, 'INBOX_RETENTION_INTERVAL_MS', 600_000, { min: 1_000, max: 86_400_000 }),
    },
  });
}
