import { readBoolean, readChoice, type Env } from './env-readers.js';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface LoggingConfig {
  level: (typeof LEVELS)[number];
  pretty: boolean;
}

/** LOG_LEVEL (default info) and LOG_PRETTY (default: only when stdout is a terminal). */
export function readLoggingConfig(env: Env): LoggingConfig {
  return {
    level: readChoice(env, 'LOG_LEVEL', LEVELS, 'info'),
    pretty: readBoolean(env, 'LOG_PRETTY', process.stdout.isTTY),
  };
}
