import closeWithGrace from 'close-with-grace';
import { ConfigError } from '../config/env-readers.js';
import type { Logger } from '../observability/logger.js';
import { DependencyUnavailableError } from './startup-errors.js';

export interface RunningProcess {
  logger: Logger;
  /** Stop taking work, finish what is in flight, close connections. */
  stop(): Promise<void>;
}

/**
 * Starts a process and gives it its one stop path. A bad setting or an
 * unreachable dependency at start prints one line and exits 1; SIGINT/SIGTERM
 * call stop() once and exit 0; a crash logs its cause, stops and exits 1.
 */
export async function runProcess(
  name: string,
  start: () => Promise<RunningProcess>,
  options: { graceMs?: number } = {},
): Promise<void> {
  let running: RunningProcess;
  try {
    running = await start();
  } catch (error) {
    if (error instanceof ConfigError || error instanceof DependencyUnavailableError) {
      process.stderr.write(`${name}: ${error.message}\n`);
    } else {
      process.stderr.write(`${name}: failed to start: ${(error as Error).stack ?? String(error)}\n`);
    }
    process.exit(1);
  }
  const { logger } = running;
  closeWithGrace(
    {
      delay: options.graceMs ?? 15_000,
      logger: { error: (message: unknown) => logger.error(message) },
    },
    async ({ signal, err }) => {
      if (err) logger.error({ err }, 'stopping after an unexpected error');
      else logger.info({ signal }, 'stopping');
      await running.stop();
      logger.info('stopped');
    },
  );
}
