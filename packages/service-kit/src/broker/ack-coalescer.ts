import type { Channel, Message } from 'amqplib';

/**
 * Acknowledgements of one channel, sent as few frames as possible. A batch
 * that settles its deliveries in one turn of the event loop would otherwise
 * send one basic.ack per message: a frame to encode and write here, and a
 * command for the broker to process (for a quorum queue, a settle in its
 * log). Delivery tags rise in delivery order, so once every delivery up to a
 * tag is settled, one `multiple` ack up to the highest acked one settles
 * them all. Deliveries settled behind one still in hand (a slow or retrying
 * batch) are acked one by one, so they never wait for their neighbour.
 *
 * Safe because a `multiple` ack only ever covers tags this coalescer has
 * seen settled: an ack sent early (one by one) or a requeue is already
 * settled at the broker, and a multiple ack passing over it changes nothing.
 */
export function createAckCoalescer(channel: Channel) {
  /** Delivery tags in the order they arrived, from `head` on still tracked. */
  let delivered: number[] = [];
  let head = 0;
  /** 'ack': settled here, not sent yet; 'sent': already settled at the broker. */
  const settled = new Map<number, 'ack' | 'sent'>();
  let flushScheduled = false;

  function sendAck(tag: number, allUpTo: boolean): void {
    try {
      // amqplib reads only the delivery tag of the message it is given.
      channel.ack({ fields: { deliveryTag: tag } } as Message, allUpTo);
    } catch {
      // The channel closed meanwhile: the broker redelivers what was not acked.
    }
  }

  function flush(): void {
    flushScheduled = false;
    let highestAck: number | undefined;
    while (head < delivered.length) {
      const tag = delivered[head] as number;
      const state = settled.get(tag);
      if (state === undefined) break;
      if (state === 'ack') highestAck = tag;
      settled.delete(tag);
      head += 1;
    }
    if (highestAck !== undefined) sendAck(highestAck, true);
    for (const [tag, state] of settled) {
      if (state !== 'ack') continue;
      sendAck(tag, false);
      settled.set(tag, 'sent');
    }
    // Forget the settled prefix now and then, not on every flush.
    if (head > 1_024) {
      delivered = delivered.slice(head);
      head = 0;
    }
  }

  return {
    /** Every delivery of the channel, as it arrives. */
    track(message: Message): void {
      delivered.push(message.fields.deliveryTag);
    },
    /** Acks on the next turn of the event loop, together with the rest of its batch. */
    ack(message: Message): void {
      settled.set(message.fields.deliveryTag, 'ack');
      if (flushScheduled) return;
      flushScheduled = true;
      setImmediate(flush);
    },
    /** Gives the message back at once; it counts as settled for the acks after it. */
    requeue(message: Message): void {
      try {
        channel.nack(message, false, true);
      } catch {
        // The channel closed meanwhile: the broker redelivers it anyway.
      }
      settled.set(message.fields.deliveryTag, 'sent');
    },
    /** Sends what is pending now: before the channel is closed on purpose. */
    flush,
  };
}

export type AckCoalescer = ReturnType<typeof createAckCoalescer>;
