import { ConfigError } from '../config/env-readers.js';
import { MigrationFailedError } from '../postgres/migrate.js';
import { DependencyUnavailableError } from './startup-errors.js';

/**
 * Runs a one-shot command (setup, operator tools): an expected failure prints
 * one line, anything else its stack; either way the exit code is non-zero.
 */
export async function runOnce(name: string, task: () => Promise<unknown>): Promise<void> {
  try {
    const code = await task();
    process.exitCode = typeof code === 'number' ? code : 0;
  } catch (error) {
    const expected = error instanceof ConfigError || error instanceof DependencyUnavailableError || error instanceof MigrationFailedError;
    process.stderr.write(`${name}: ${expected ? error.message : describeUnexpected(error)}\n`);
    process.exitCode = 1;
  }
}

function describeUnexpected(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
