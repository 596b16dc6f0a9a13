import { sql, type QueryExecutorProvider } from 'kysely';
import type { Logger } from '../observability/logger.js';
import { Counter, type Registry } from '../observability/metrics.js';
import { sleep } from '../lifecycle/sleep.js';

export interface RetentionRule {
  /** For logs and the metric label. */
  table: string;
  /**
   * Deletes up to `limit` expired rows and returns how many it deleted. Must
   * be one short statement: each batch is its own transaction, so retention
   * never holds locks or bloats a transaction on a busy table.
   */
  deleteBatch: (db: QueryExecutorProvider, limit: number) => Promise<number>;
}

/** A batch delete of rows whose `column` is older than `age` (a PostgreSQL interval such as '7 days'). */
export function olderThan(table: string, key: string, column: string, age: () => string): RetentionRule {
  return {
    table,
    async deleteBatch(db, limit) {
      const result = await sql`
        delete from ${sql.table(table)} where ${sql.ref(key)} in (
          select ${sql.ref(key)} from ${sql.table(table)}
          where ${sql.ref(column)} < now() - ${age()}::interval
          order by ${sql.ref(column)}
          limit ${limit}
          for update skip locked
        )
      `.execute(db);
      return Number(result.numAffectedRows ?? 0n);
    },
  };
}

/**
 * Deletes expired rows in bounded batches, on a schedule, until stopped.
 * Several processes may run it at once: SKIP LOCKED keeps them from waiting
 * on each other.
 */
export function scheduleRetention(options: {
  db: QueryExecutorProvider;
  rules: RetentionRule[];
  intervalMs: number;
  batchSize: number;
  logger: Logger;
  metrics: Registry;
}): { runOnce(): Promise<Record<string, number>>; stop(): Promise<void> } {
  const deleted = new Counter({
    name: 'retention_deleted_rows_total',
    help: 'Rows deleted by retention, by table',
    labelNames: ['table'] as const,
    registers: [options.metrics],
  });
  const stopping = new AbortController();

  async function runOnce(): Promise<Record<string, number>> {
    const totals: Record<string, number> = {};
    for (const rule of options.rules) {
      let total = 0;
      for (;;) {
        const count = await rule.deleteBatch(options.db, options.batchSize);
        total += count;
        deleted.inc({ table: rule.table }, count);
        if (count < options.batchSize || stopping.signal.aborted) break;
        // Let the table breathe between batches.
        await sleep(50, stopping.signal);
      }
      totals[rule.table] = total;
    }
    return totals;
  }

  const loop = (async () => {
    // First pass soon after start, then on the interval.
    await sleep(Math.min(options.intervalMs, 10_000), stopping.signal);
    while (!stopping.signal.aborted) {
      try {
        const totals = await runOnce();
        if (Object.values(totals).some((count) => count > 0)) options.logger.info({ deleted: totals }, 'retention deleted expired rows');
      } catch (error) {
        options.logger.warn({ err: error }, 'retention pass failed; will try again next interval');
      }
      await sleep(options.intervalMs, stopping.signal);
    }
  })();

  return {
    runOnce,
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
