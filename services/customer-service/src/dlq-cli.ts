import amqp from 'amqplib';
import { DependencyUnavailableError, runOnce } from '@orders/service-kit';
import { loadConfig } from './config.js';
import { listDeadLetters, purgeDeadLetters, replayDeadLetters } from './inbox/dead-letter-queue.js';

const USAGE = `usage:
  npm run dlq -- list [--limit N]      show dead letters and why they failed (nothing is removed)
  npm run dlq -- replay [--limit N]    publish them to orders.v1 again (safe: events apply once)
  npm run dlq -- purge                 delete every dead letter`;

// Operator command for customer_service.order.created.dlq.
await runOnce('dlq', async () => {
  const [command, ...rest] = process.argv.slice(2);
  if (command !== 'list' && command !== 'replay' && command !== 'purge') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const limitAt = rest.indexOf('--limit');
  const limit = limitAt >= 0 ? Number(rest[limitAt + 1]) : command === 'list' ? 50 : Number.MAX_SAFE_INTEGER;
  if (!Number.isInteger(limit) || limit < 1) {
    process.stderr.write(`--limit must be a positive integer\n${USAGE}\n`);
    return 2;
  }
  const config = loadConfig(process.env, 'operator');
  const topology = config.messaging;
  let connection;
  try {
    connection = await amqp.connect(config.rabbitUrl);
  } catch (error) {
    throw new DependencyUnavailableError('RabbitMQ', new URL(config.rabbitUrl).host, error);
  }
  try {
    switch (command) {
      case 'list': {
        const letters = await listDeadLetters(connection, topology, limit);
        for (const letter of letters) {
          process.stdout.write(
            `${letter.messageId ?? '(no message id)'}\t${letter.deadLetteredAt ?? ''}\t${letter.reason}\n    ${letter.body.slice(0, 300)}\n`,
          );
        }
        process.stdout.write(`${letters.length} dead letter(s) shown from ${topology.deadLetterQueue}\n`);
        return 0;
      }
      case 'replay': {
        const replayed = await replayDeadLetters(connection, topology, limit);
        process.stdout.write(`${replayed} dead letter(s) published to ${topology.exchange} again\n`);
        return 0;
      }
      case 'purge': {
        const purged = await purgeDeadLetters(connection, topology);
        process.stdout.write(`${purged} dead letter(s) deleted from ${topology.deadLetterQueue}\n`);
        return 0;
      }
    }
  } finally {
    await connection.close();
  }
});
