import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type prettyFactory from 'pino-pretty';

export type { Logger } from 'pino';

export interface LoggerOptions {
  name: string;
  level: string;
  /** Human-readable lines instead of JSON; the default when stdout is a terminal. */
  pretty: boolean;
}

/** Paths that may hold the shared secret; pino replaces their values before writing. */
const REDACTED_PATHS = [
  'req.headers["x-internal-api-key"]',
  'req.headers.authorization',
  'headers["x-internal-api-key"]',
  'config.internalApiKey',
];

export function createLogger(options: LoggerOptions): Logger {
  const base = {
    name: options.name,
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (!options.pretty) return pino(base);
  // Loaded only when asked for: production writes JSON and never pays for the prettifier.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof prettyFactory;
  // Synchronous in-process prettifier: no worker thread to outlive a crash.
  return pino(base, pretty({ colorize: process.stdout.isTTY || process.env.FORCE_COLOR === '1', translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true, sync: true }));
}
