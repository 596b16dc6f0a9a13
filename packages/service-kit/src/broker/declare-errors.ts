import { ConfigError } from '../config/env-readers.js';

/**
 * A queue (or exchange) already exists with arguments other than the ones
 * this version declares. Retrying cannot fix that, so the process stops with
 * this one line instead of failing the same declare in a loop.
 */
export class TopologyMismatchError extends ConfigError {
  override name = 'TopologyMismatchError';
}

// RabbitMQ: "PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'q' in vhost '/': received ... but current is ..."
const INEQUIVALENT = /inequivalent arg '([^']+)' for (queue|exchange) '([^']+)' in vhost '[^']*': (.+?)"?$/;

/** Where the operator reads how to move an existing queue to the new arguments. */
const QUEUE_MIGRATION_HINT = "see README, 'Moving an existing queue to new arguments'";

/**
 * The one clear line for a declare that the broker refused because the queue
 * exists with other arguments, or undefined for any other failure.
 */
export function topologyMismatch(error: unknown): TopologyMismatchError | undefined {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code !== 406 || typeof message !== 'string') return undefined;
  const match = INEQUIVALENT.exec(message);
  if (match === null) return new TopologyMismatchError(`RabbitMQ refused a declaration: ${message}; ${QUEUE_MIGRATION_HINT}`);
  const [, argument, kind, name, detail] = match;
  return new TopologyMismatchError(
    `${kind} ${name} already exists with a different ${argument} (${detail}); it must be moved to the new arguments: ${QUEUE_MIGRATION_HINT}`,
  );
}
