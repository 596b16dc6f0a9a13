import type { QueuedMessage } from './dead-letter.js';
import type { DeadLetterChannel } from './dead-letter-broker.js';

/** After this long without a delivery, the rest of `count` is not coming (someone else holds it). */
const IDLE_MS = 300;

/**
 * Takes up to `count` messages off a queue, unacknowledged, in queue order.
 * A consumer with a prefetch of exactly `count` streams them in at once
 * instead of one basic.get round trip each (2.4 ms a letter measured: 12 s
 * for 5,000), and the prefetch means the broker never hands over more.
 * Cancelled before returning, so copies put back later are not taken again.
 */
export async function takeMessages(channel: DeadLetterChannel, queue: string, count: number): Promise<QueuedMessage[]> {
  if (count === 0) return [];
  const taken: QueuedMessage[] = [];
  await channel.prefetch(count);
  let finish: () => void = () => undefined;
  let idle: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const waitForMore = () => {
    clearTimeout(idle);
    idle = setTimeout(finish, IDLE_MS);
  };
  const { consumerTag } = await channel.consume(
    queue,
    (message) => {
      // null: the broker cancelled the consumer (queue deleted); keep what arrived.
      if (message === null) return finish();
      taken.push(message);
      if (taken.length >= count) finish();
      else waitForMore();
    },
    { noAck: false },
  );
  waitForMore();
  await done;
  clearTimeout(idle);
  await channel.cancel(consumerTag);
  return taken;
}
