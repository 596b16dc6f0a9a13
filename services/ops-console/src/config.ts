import { messagingTopology, type MessagingTopology } from '@orders/contracts';
import {
  assertNoDefaultCredentials,
  readDatabaseUrl,
  readInteger,
  readLoggingConfig,
  readPort,
  readRabbitUrls,
  readSecret,
  readString,
  readUrl,
  type Env,
  type LoggingConfig,
} from '@orders/service-kit';

const DEFAULT_CONSOLE_PASSWORD = 'dev-console-password';

/** A process whose /health/ready and /metrics the overview reads. */
export interface WatchedProcess {
  name: string;
  /** Base URL: /health/ready and /metrics are read under it. */
  url: string;
}

export interface ConsoleConfig {
  host: string;
  port: number;
  /** HTTP Basic password of the user `admin`. */
  password: string;
  logging: LoggingConfig;
  orderDatabaseUrl: string;
  customerDatabaseUrl: string;
  broker: {
    /** The broker's nodes: RABBITMQ_URL, which may list the nodes of one cluster separated by commas. */
    urls: readonly string[];
    topology: MessagingTopology;
  };
  processes: WatchedProcess[];
  reconcile: {
    /** How long a candidate mismatch is given to settle before it is reported (orders in flight). */
    settleMs: number;
    /** How far back a repair looks; keep it below INBOX_RETENTION_DAYS. */
    windowDays: number;
  };
}

function readConsolePassword(env: Env, production: boolean): string {
  return readSecret(env, 'CONSOLE_PASSWORD', DEFAULT_CONSOLE_PASSWORD, 12, production);
}

/**
 * The console reads both databases. ORDER_DATABASE_URL and
 * CUSTOMER_DATABASE_URL win (as for npm run reconcile); without them the
 * seed's POSTGRES_HOST/PORT/USER/PASSWORD apply, each with its own database.
 */
function readServiceDatabaseUrl(env: Env, name: 'ORDER_DATABASE_URL' | 'CUSTOMER_DATABASE_URL', database: string): string {
  const fallback = readDatabaseUrl({ ...env, DATABASE_URL: undefined, POSTGRES_DB: undefined }, database);
  return readUrl(env, name, fallback, ['postgres:', 'postgresql:']);
}

const processUrl = (env: Env, variable: string, port: number) => readUrl(env, variable, `http://127.0.0.1:${port}`, ['http:', 'https:']);

/** The only reader of process.env in ops_console; throws ConfigError on a bad value. */
export function loadConfig(env: Env): Readonly<ConsoleConfig> {
  const production = env.NODE_ENV === 'production';
  const orderDatabaseUrl = readServiceDatabaseUrl(env, 'ORDER_DATABASE_URL', 'order_service');
  const customerDatabaseUrl = readServiceDatabaseUrl(env, 'CUSTOMER_DATABASE_URL', 'customer_service');
  const rabbitUrls = readRabbitUrls(env);
  assertNoDefaultCredentials('ORDER_DATABASE_URL', orderDatabaseUrl, production);
  assertNoDefaultCredentials('CUSTOMER_DATABASE_URL', customerDatabaseUrl, production);
  for (const url of rabbitUrls) assertNoDefaultCredentials('RABBITMQ_URL', url, production);
  return Object.freeze({
    host: readString(env, 'HOST', '0.0.0.0'),
    port: readPort(env, 'CONSOLE_PORT', 3003),
    password: readConsolePassword(env, production),
    logging: readLoggingConfig(env),
    orderDatabaseUrl,
    customerDatabaseUrl,
    broker: { urls: rabbitUrls, topology: messagingTopology(readString(env, 'RABBITMQ_TOPOLOGY_PREFIX', '')) },
    processes: [
      { name: 'order_service', url: processUrl(env, 'ORDER_SERVICE_URL', 3001) },
      { name: 'customer_service', url: processUrl(env, 'CUSTOMER_SERVICE_URL', 3002) },
      { name: 'order_outbox_worker', url: processUrl(env, 'OUTBOX_WORKER_URL', 3011) },
      { name: 'order_created_consumer', url: processUrl(env, 'ORDER_CREATED_CONSUMER_URL', 3012) },
    ],
    reconcile: {
      settleMs: readInteger(env, 'CONSOLE_RECONCILE_SETTLE_MS', 1_000, { min: 0, max: 60_000 }),
      windowDays: readInteger(env, 'CONSOLE_REPAIR_WINDOW_DAYS', 6, { min: 1, max: 3_650 }),
    },
  });
}
