import { readBoolean, readChoice, type Env } from './env-readers.js';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface LoggingConfig {
  level: (typeof LEVELS)[number];
  pretty: boolean;
  /** One info line per HTTP request; it costs some CPU per request (README), so it can be switched off. */
  accessLog: boolean;
}

/** LOG_LEVEL (default info), LOG_PRETTY (default: only when stdout is a terminal), ACCESS_LOG (default on). */
export function readLoggingConfig(env: Env): LoggingConfig {
  return {
    level: readChoice(env, 'LOG_LEVEL', LEVELS, 'info'),
    pretty: readBoolean(env, 'LOG_PRETTY', process.stdout.isTTY),
    accessLog: readBoolean(env, 'ACCESS_LOG', true),
  };
}
