import {
  describeDeadLetter,
  headersForReplay,
  headersForRequeue,
  type DeadLetter,
  type QueuedMessage,
} from './dead-letter.js';
import {
  BrokerUnavailableError,
  checkDeclaredQueue,
  type DeadLetterBroker,
  type OutgoingCopy,
  type PublishOutcome,
  type PublishProperties,
} from './dead-letter-broker.js';
import { takeMessages } from './take-messages.js';

/** What becomes of one dead letter in a sweep. */
export type Disposition = 'keep' | 'replay' | 'remove';

export interface SweepResult<V> {
  /** What `decide` concluded besides the dispositions. */
  verdict: V;
  /** Every letter the sweep saw, in queue order. */
  letters: DeadLetter[];
  replayed: number;
  removed: number;
  /** Letters whose copy the broker did not confirm: left in the queue as they were. */
  unconfirmed: number;
}

/** A queue deeper than this is swept this many at a time, so memory stays bounded. */
const MAX_SWEEP = 10_000;

function properties(message: QueuedMessage, headers: Record<string, unknown>): PublishProperties {
  const { contentType, messageId, type, timestamp } = message.properties;
  return {
    persistent: true,
    contentType: typeof contentType === 'string' ? contentType : undefined,
    messageId: typeof messageId === 'string' ? messageId : undefined,
    type: typeof type === 'string' ? type : undefined,
    timestamp: typeof timestamp === 'number' ? timestamp : undefined,
    headers,
  };
}

/**
 * The one way operations touch the dead-letter queue. It takes every message
 * there (unacknowledged), lets `decide` choose each one's fate with the whole
 * picture in view, then publishes: a replayed letter to the orders exchange,
 * a kept one as a fresh copy to the back of the dead-letter queue, in the
 * original order. An original is acknowledged only after its copy is
 * confirmed, so a failure anywhere leaves it where it was.
 *
 * Why kept letters are re-published rather than requeued: a requeue counts as
 * a delivery, and a quorum queue with a delivery limit (RabbitMQ 4 sets 20 by
 * default) drops a message delivered too often. Looking at dead letters must
 * never cost one, however often someone looks; a fresh copy starts at zero.
 */
export async function sweepDeadLetters<V>(
  broker: DeadLetterBroker,
  decide: (letters: DeadLetter[]) => { dispositions: Disposition[]; verdict: V },
): Promise<SweepResult<V>> {
  if (!broker.isConnected()) throw new BrokerUnavailableError('RabbitMQ is not connected');
  const { deadLetterQueue, exchange, routingKey } = broker.topology;
  const channel = await broker.openChannel();
  try {
    const { messageCount } = await checkDeclaredQueue(channel, deadLetterQueue);
    // Bounded by the depth at the start, so copies put back are never taken again.
    const taken = await takeMessages(channel, deadLetterQueue, Math.min(messageCount, MAX_SWEEP));
    const letters = taken.map(describeDeadLetter);
    const { dispositions, verdict } = decide(letters);
    const copies = taken.flatMap((message, index): OutgoingCopy[] => {
      const headers = message.properties.headers ?? {};
      switch (dispositions[index] ?? 'keep') {
        case 'remove':
          return [];
        case 'replay':
          return [{ exchange, routingKey, content: message.content, properties: properties(message, headersForReplay(headers)) }];
        case 'keep':
          return [{ exchange: '', routingKey: deadLetterQueue, content: message.content, properties: properties(message, headersForRequeue(headers)) }];
      }
    });
    const published = copies.length === 0 ? [] : await broker.publish(copies);
    let next = 0;
    const outcomes = taken.map((_message, index): PublishOutcome | 'removed' =>
      dispositions[index] === 'remove' ? 'removed' : (published[next++] ?? 'unconfirmed'),
    );
    const result: SweepResult<V> = { verdict, letters, replayed: 0, removed: 0, unconfirmed: 0 };
    let lastSettled: QueuedMessage | undefined;
    taken.forEach((message, index) => {
      const outcome = outcomes[index];
      if (outcome === 'removed' || outcome === 'confirmed') {
        lastSettled = message;
        if (outcome === 'removed') result.removed += 1;
        else if (dispositions[index] === 'replay') result.replayed += 1;
      } else {
        channel.nack(message, false, true);
        result.unconfirmed += 1;
      }
    });
    // One acknowledgement for all of them, not one per message. A quorum
    // queue's client keeps only a few dozen commands in flight and drops the
    // rest when the channel closes, so hundreds of single acks followed by a
    // close return most originals to the queue beside their copies (measured
    // on RabbitMQ 3.10: 266 of 300). The nacks above went first, so
    // "everything up to here" is exactly the settled ones.
    if (lastSettled !== undefined) channel.ack(lastSettled, true);
    return result;
  } finally {
    // Closing gives back anything still unacknowledged (say, after a broker error mid-sweep).
    await channel.close().catch(() => undefined);
  }
}
