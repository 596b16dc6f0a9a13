import { readDatabaseUrl } from './connection-urls.js';
import { readInteger, readOptionalString, readPort, readString, type Env } from './env-readers.js';
import { readLoggingConfig, type LoggingConfig } from './logging-config.js';

/** The settings every service process reads the same way. */
export interface ServiceSettings {
  host: string;
  port: number;
  databaseUrl: string;
  databasePoolSize: number;
  logging: LoggingConfig;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: traces are exported only when it is set. */
  otlpEndpoint: string | undefined;
}

/** HOST, PORT, DATABASE_URL (or the seed's POSTGRES_*), DATABASE_POOL_SIZE, logging and OTLP. */
export function readServiceSettings(env: Env, defaults: { port: number; database: string }): ServiceSettings {
  return {
    host: readString(env, 'HOST', '0.0.0.0'),
    port: readPort(env, 'PORT', defaults.port),
    databaseUrl: readDatabaseUrl(env, defaults.database),
    databasePoolSize: readInteger(env, 'DATABASE_POOL_SIZE', 16, { min: 1, max: 200 }),
    logging: readLoggingConfig(env),
    otlpEndpoint: readOptionalString(env, 'OTEL_EXPORTER_OTLP_ENDPOINT'),
  };
}
