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
 * Safe because a `multiple` ack only ever covers tags below the lowest one
 * still in hand, all settled here: those acked one by one earlier, or
 * requeued, are already settled at the broker, and passing over them changes
 * nothing.
 */
export function createAckCoalescer(channel: Channel) {
  /**
   * Delivered and not settled yet, in delivery order (a Set keeps insertion
   * order), so the first is the lowest tag still in hand. Bounded by the
   * prefetch: the broker counts these as unacknowledged.
   */
  const inHand = new Set<number>();
  /** Settled here as acks since the last flush. */
  let pending: number[] = [];
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
    const lowestInHand = inHand.values().next().value ?? Number.POSITIVE_INFINITY;
    let highestBelow: number | undefined;
    for (const tag of pending) {
      if (tag < lowestInHand) highestBelow = Math.max(highestBelow ?? tag, tag);
      else sendAck(tag, false);
    }
    pending = [];
    if (highestBelow !== undefined) sendAck(highestBelow, true);
  }

  return {
    /** Every delivery of the channel, as it arrives. */
    track(message: Message): void {
      inHand.add(message.fields.deliveryTag);
    },
    /** Acks on the next turn of the event loop, together with the rest of its batch. */
    ack(message: Message): void {
      inHand.delete(message.fields.deliveryTag);
      pending.push(message.fields.deliveryTag);
      if (flushScheduled) return;
      flushScheduled = true;
      setImmediate(flush);
    },
    /** Gives the message back at once; it counts as settled for the acks after it. */
    requeue(message: Message): void {
      inHand.delete(message.fields.deliveryTag);
      try {
        channel.nack(message, false, true);
      } catch {
        // The channel closed meanwhile: the broker redelivers it anyway.
      }
    },
    /** Sends what is pending now: before the channel is closed on purpose. */
    flush,
  };
}

export type AckCoalescer = ReturnType<typeof createAckCoalescer>;
