import { connectOperationsBroker, peekDeadLetters, purgeDeadLetters, replayDeadLetters, type DeadLetterActionResult } from '@orders/operations';
import { createLogger, runOnce, unreachable, type FailureOf } from '@orders/service-kit';
import { loadConfig } from './config.js';

const USAGE = `usage:
  npm run dlq -- list [--limit N]      show dead letters and why they failed (nothing is removed)
  npm run dlq -- replay [--limit N]    publish them to orders.v1 again (safe: events apply once)
  npm run dlq -- purge                 delete every dead letter`;

function failure(result: FailureOf<DeadLetterActionResult>): string {
  switch (result.error) {
    case 'not_found':
      return `not in the dead-letter queue: ${result.missingEventIds.join(', ')}`;
    case 'not_confirmed':
      return `${result.unconfirmed} dead letter(s) were not confirmed by RabbitMQ and stay in the queue (${result.count} done)`;
    default:
      return unreachable(result);
  }
}

// Operator command for customer_service.order.created.dlq: a face over @orders/operations.
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
  const { topology } = config.broker;
  const broker = await connectOperationsBroker({
    ...config.broker,
    connectionName: 'dlq-cli',
    logger: createLogger({ name: 'dlq-cli', level: 'warn', pretty: false }),
  });
  try {
    switch (command) {
      case 'list': {
        const { letters, total } = await peekDeadLetters(broker, limit);
        for (const letter of letters) {
          const body = typeof letter.payload === 'string' ? letter.payload : JSON.stringify(letter.payload);
          process.stdout.write(`${letter.eventId ?? '(no event id)'}\t${letter.deadLetteredAt ?? ''}\t${letter.reason}\n    ${body.slice(0, 300)}\n`);
        }
        process.stdout.write(`${letters.length} of ${total} dead letter(s) shown from ${topology.deadLetterQueue}\n`);
        return 0;
      }
      case 'replay': {
        const result = await replayDeadLetters(broker, { all: true }, limit);
        if (!result.ok) {
          process.stderr.write(`${failure(result)}\n`);
          return 1;
        }
        process.stdout.write(`${result.count} dead letter(s) published to ${topology.exchange} again\n`);
        return 0;
      }
      case 'purge': {
        const result = await purgeDeadLetters(broker, { all: true });
        if (!result.ok) {
          process.stderr.write(`${failure(result)}\n`);
          return 1;
        }
        process.stdout.write(`${result.count} dead letter(s) deleted from ${topology.deadLetterQueue}\n`);
        return 0;
      }
    }
  } finally {
    await broker.close();
  }
});
