import type { Logger } from '@orders/service-kit';

export interface AuditEntry {
  /** What was done: `dead_letters.replay`, `outbox.retry`, `reconcile.repair`, … */
  action: string;
  /** To what: the selector as the operator sent it. */
  target: unknown;
  /** What came of it: `{ replayed: 12 }`, or the error code. */
  outcome: unknown;
  /** Where the request came from. */
  from: string;
}

/**
 * One line per operator action, whatever its outcome, so "who replayed what,
 * when" can be answered from the logs alone. A child logger tagged
 * `audit: true` makes the lines easy to route to their own sink.
 */
export function createAuditLog(logger: Logger): (entry: AuditEntry) => void {
  const audit = logger.child({ audit: true });
  return (entry) => {
    audit.info({ ...entry, user: 'admin', at: new Date().toISOString() }, `audit: ${entry.action}`);
  };
}
