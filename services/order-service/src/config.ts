import { messagingTopology, type MessagingTopology } from '@orders/contracts';
import {
  assertNoDefaultCredentials,
  readChoice,
  readInteger,
  readInternalApiKey,
  readPort,
  readRabbitUrls,
  readServiceSettings,
  readString,
  readUrl,
  type Env,
  type ServiceSettings,
} from '@orders/service-kit';

export interface OrderServiceConfig extends ServiceSettings {
  intake: IntakeLimits;
  customerService: {
    url: string;
    internalApiKey: string;
    /** Per attempt; the whole check, retries included, stays within about 3x this. */
    timeoutMs: number;
    retries: number;
    /** How long a positive answer is trusted; customers are never deleted. */
    cacheTtlMs: number;
    breakerThreshold: number;
    breakerCooldownMs: number;
  };
  broker: BrokerSettings;
  outbox: {
    metricsPort: number;
    batchSize: number;
    /** Batches claimed and published at the same time by one worker. */
    concurrency: number;
    maxAttempts: number;
    backoffBaseMs: number;
    backoffMaxMs: number;
    confirmTimeoutMs: number;
    /** notify: LISTEN/NOTIFY hint from each insert; poll: only the interval below. */
    wakeup: 'notify' | 'poll';
    pollIntervalMs: number;
    /** Under load (over 400 orders/s), how long the worker may let rows gather before a claim. */
    coalesceMaxMs: number;
    /** The batch size that gathering aims at; it waits no longer than the rate needs to fill it. */
    coalesceTargetRows: number;
    /** Published rows older than this are deleted. */
    retentionDays: number;
    /** Idempotency keys are honoured this long. */
    idempotencyKeyRetentionHours: number;
    retentionIntervalMs: number;
  };
}

export interface BrokerSettings {
  /** The broker's nodes: RABBITMQ_URL, which may list the nodes of one cluster separated by commas. */
  urls: readonly string[];
  topology: MessagingTopology;
}

/** How much order intake takes on at once (see http/admission-control.ts and orders/order-group-commit.ts). */
export interface IntakeLimits {
  /** POST /api/v1/orders being handled at once; more are answered 503 overloaded at once. */
  maxOrdersInFlight: number;
  /** Orders stored by one group-commit statement at most. */
  maxWriteBatch: number;
  /** Group-commit statements running at once. */
  writeStatementsInFlight: number;
}

// 64 in flight is a few tens of milliseconds of work at the intake's rate
// (Little's law), enough to fill the group commit's batches; more would only
// queue, adding latency, not orders per second.
export const DEFAULT_INTAKE_LIMITS: Readonly<IntakeLimits> = Object.freeze({ maxOrdersInFlight: 64, maxWriteBatch: 128, writeStatementsInFlight: 4 });

/** Which process reads the config: production refuses the default secrets only where they are used. */
export type OrderServiceRole = 'api' | 'outbox-worker' | 'operator';

/** The only reader of process.env in order_service; throws ConfigError on a bad value. */
export function loadConfig(env: Env, role: OrderServiceRole): Readonly<OrderServiceConfig> {
  const production = env.NODE_ENV === 'production';
  const service = readServiceSettings(env, { port: 3001, database: 'order_service' });
  const rabbitUrls = readRabbitUrls(env);
  assertNoDefaultCredentials('DATABASE_URL', service.databaseUrl, production);
  for (const url of rabbitUrls) assertNoDefaultCredentials('RABBITMQ_URL', url, production && role === 'outbox-worker');
  return Object.freeze({
    ...service,
    intake: {
      maxOrdersInFlight: readInteger(env, 'ORDER_INTAKE_MAX_IN_FLIGHT', DEFAULT_INTAKE_LIMITS.maxOrdersInFlight, { min: 1, max: 100_000 }),
      maxWriteBatch: readInteger(env, 'ORDER_WRITE_BATCH_MAX', DEFAULT_INTAKE_LIMITS.maxWriteBatch, { min: 1, max: 10_000 }),
      writeStatementsInFlight: readInteger(env, 'ORDER_WRITE_STATEMENTS_IN_FLIGHT', DEFAULT_INTAKE_LIMITS.writeStatementsInFlight, { min: 1, max: 64 }),
    },
    customerService: {
      url: readUrl(env, 'CUSTOMER_SERVICE_URL', 'http://127.0.0.1:3002', ['http:', 'https:']),
      internalApiKey: readInternalApiKey(env, production && role === 'api'),
      timeoutMs: readInteger(env, 'CUSTOMER_SERVICE_TIMEOUT_MS', 1_000, { min: 10, max: 60_000 }),
      retries: readInteger(env, 'CUSTOMER_SERVICE_RETRIES', 2, { min: 0, max: 5 }),
      cacheTtlMs: readInteger(env, 'CUSTOMER_CACHE_TTL_MS', 30_000, { min: 0, max: 3_600_000 }),
      breakerThreshold: readInteger(env, 'CUSTOMER_SERVICE_BREAKER_THRESHOLD', 5, { min: 1, max: 1_000 }),
      breakerCooldownMs: readInteger(env, 'CUSTOMER_SERVICE_BREAKER_COOLDOWN_MS', 5_000, { min: 100, max: 600_000 }),
    },
    broker: { urls: rabbitUrls, topology: messagingTopology(readString(env, 'RABBITMQ_TOPOLOGY_PREFIX', '')) },
    outbox: {
      metricsPort: readPort(env, 'METRICS_PORT', 3011),
      batchSize: readInteger(env, 'OUTBOX_BATCH_SIZE', 500, { min: 1, max: 10_000 }),
      concurrency: readInteger(env, 'OUTBOX_CONCURRENCY', 2, { min: 1, max: 16 }),
      maxAttempts: readInteger(env, 'OUTBOX_MAX_ATTEMPTS', 10, { min: 1, max: 1_000 }),
      backoffBaseMs: readInteger(env, 'OUTBOX_BACKOFF_BASE_MS', 1_000, { min: 1, max: 3_600_000 }),
      backoffMaxMs: readInteger(env, 'OUTBOX_BACKOFF_MAX_MS', 300_000, { min: 1, max: 86_400_000 }),
      confirmTimeoutMs: readInteger(env, 'OUTBOX_CONFIRM_TIMEOUT_MS', 10_000, { min: 100, max: 600_000 }),
      wakeup: readChoice(env, 'OUTBOX_WAKEUP', ['notify', 'poll'] as const, 'notify'),
      pollIntervalMs: readInteger(env, 'OUTBOX_POLL_INTERVAL_MS', 1_000, { min: 1, max: 600_000 }),
      coalesceMaxMs: readInteger(env, 'OUTBOX_COALESCE_MAX_MS', 50, { min: 0, max: 1_000 }),
      coalesceTargetRows: readInteger(env, 'OUTBOX_COALESCE_TARGET_ROWS', 100, { min: 1, max: 10_000 }),
      retentionDays: readInteger(env, 'OUTBOX_RETENTION_DAYS', 7, { min: 1, max: 3_650 }),
      idempotencyKeyRetentionHours: readInteger(env, 'IDEMPOTENCY_KEY_RETENTION_HOURS', 24, { min: 1, max: 87_600 }),
      retentionIntervalMs: readInteger(env, 'OUTBOX_RETENTION_INTERVAL_MS', 600_000, { min: 1_000, max: 86_400_000 }),
    },
  });
}

