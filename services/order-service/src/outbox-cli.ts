import { listDeadOutboxRows, missingDeadRows, retryDeadOutboxRows } from '@orders/operations';
import { createLogger, runOnce } from '@orders/service-kit';
import { loadConfig } from './config.js';
import { openOrderDatabase } from './db/database.js';

const USAGE = `usage:
  npm run outbox -- list-dead [--limit N]      outbox rows that ran out of attempts
  npm run outbox -- retry <id> [<id> ...]      give those dead rows a fresh set of attempts
  npm run outbox -- retry --all                the same for every dead row`;

// Operator command for outbox rows that ran out of attempts: a face over @orders/operations.
await runOnce('outbox', async () => {
  const [command, ...rest] = process.argv.slice(2);
  if (command !== 'list-dead' && command !== 'retry') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = loadConfig(process.env, 'operator');
  const logger = createLogger({ name: 'outbox-cli', level: 'warn', pretty: false });
  const { pool } = openOrderDatabase(config.databaseUrl, 1, 'outbox-cli', logger);
  try {
    if (command === 'list-dead') {
      const limitAt = rest.indexOf('--limit');
      const limit = limitAt >= 0 ? Number(rest[limitAt + 1]) : 100;
      if (!Number.isInteger(limit) || limit < 1) {
        process.stderr.write(`--limit must be a positive integer\n${USAGE}\n`);
        return 2;
      }
      const dead = await listDeadOutboxRows(pool, limit);
      if (dead.length === 0) {
        process.stdout.write('no dead outbox rows\n');
        return 0;
      }
      process.stdout.write('id\tevent_id\torder_id\tattempts\tdead_at\tlast_error\n');
      for (const row of dead) {
        process.stdout.write(`${row.id}\t${row.eventId}\t${row.orderId}\t${row.attempts}\t${row.deadAt.toISOString()}\t${row.lastError ?? ''}\n`);
      }
      process.stdout.write(`${dead.length} dead row(s) shown; retry them with: npm run outbox -- retry --all\n`);
      return 0;
    }
    const all = rest.includes('--all');
    const ids = rest.filter((arg) => arg !== '--all').map(Number);
    if (!all && (ids.length === 0 || ids.some((id) => !Number.isSafeInteger(id) || id < 1))) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    const missing = all ? [] : await missingDeadRows(pool, ids);
    if (missing.length > 0) process.stderr.write(`not dead outbox rows (unknown, or already retried): ${missing.join(', ')}\n`);
    const retried = await retryDeadOutboxRows(pool, all ? { all: true } : { ids });
    process.stdout.write(`${retried} dead row(s) are due again; the worker publishes them now\n`);
    return 0;
  } finally {
    await pool.end();
  }
});
