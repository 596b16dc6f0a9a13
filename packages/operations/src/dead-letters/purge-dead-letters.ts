import type { DeadLetterSelector } from './dead-letter.js';
import { BrokerUnavailableError, checkDeclaredQueue, type DeadLetterBroker } from './dead-letter-broker.js';
import { chooseDeadLetters } from './choose-dead-letters.js';
import type { DeadLetterActionResult } from './replay-dead-letters.js';
import { sweepDeadLetters } from './sweep-dead-letters.js';

/** Deletes the selected dead letters for good; the others stay, in order. */
export async function purgeDeadLetters(broker: DeadLetterBroker, selector: DeadLetterSelector): Promise<DeadLetterActionResult> {
  if ('all' in selector) {
    // Everything goes: the broker's own purge does it in one step, however deep the queue.
    if (!broker.isConnected()) throw new BrokerUnavailableError('RabbitMQ is not connected');
    const channel = await broker.openChannel();
    try {
      await checkDeclaredQueue(channel, broker.topology.deadLetterQueue);
      const { messageCount } = await channel.purgeQueue(broker.topology.deadLetterQueue);
      return { ok: true, count: messageCount };
    } finally {
      await channel.close().catch(() => undefined);
    }
  }
  const result = await sweepDeadLetters(broker, (letters) => {
    const choice = chooseDeadLetters(letters, selector, 'remove');
    return { dispositions: choice.dispositions, verdict: choice.missingEventIds };
  });
  if (result.verdict.length > 0) return { ok: false, error: 'not_found', missingEventIds: result.verdict };
  if (result.unconfirmed > 0) return { ok: false, error: 'not_confirmed', count: result.removed, unconfirmed: result.unconfirmed };
  return { ok: true, count: result.removed };
}
