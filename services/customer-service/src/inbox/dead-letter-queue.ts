import type { ChannelModel, GetMessage } from 'amqplib';
import { DEAD_LETTER_REASON_HEADER, type MessagingTopology } from '@orders/contracts';

export interface DeadLetterSummary {
  messageId: string | undefined;
  reason: string;
  deadLetteredAt: string | undefined;
  body: string;
}

function summarise(message: GetMessage): DeadLetterSummary {
  const headers = (message.properties.headers ?? {}) as Record<string, unknown>;
  // Without our header the broker dead-lettered it itself (delivery limit); x-death says why.
  const death = headers['x-death'] as Array<{ reason?: string }> | undefined;
  const brokerReason = death?.[0]?.reason;
  const reason = headers[DEAD_LETTER_REASON_HEADER] ?? (brokerReason === undefined ? undefined : `broker: ${brokerReason}`);
  return {
    messageId: message.properties.messageId as string | undefined,
    reason: typeof reason === 'string' ? reason : 'unknown',
    deadLetteredAt: typeof headers['x-dead-lettered-at'] === 'string' ? headers['x-dead-lettered-at'] : undefined,
    body: message.content.toString('utf8'),
  };
}

/** Looks at up to `limit` dead letters without removing them. */
export async function listDeadLetters(connection: ChannelModel, topology: MessagingTopology, limit: number): Promise<DeadLetterSummary[]> {
  const channel = await connection.createChannel();
  const seen: DeadLetterSummary[] = [];
  try {
    while (seen.length < limit) {
      const message = await channel.get(topology.deadLetterQueue, { noAck: false });
      if (message === false) break;
      seen.push(summarise(message));
    }
    // Give every one of them back to the queue.
    channel.nackAll(true);
  } finally {
    await channel.close();
  }
  return seen;
}

/**
 * Publishes dead letters back to the orders exchange, as they were before they
 * failed (dead-letter headers removed), and removes each from the dead-letter
 * queue only after the broker confirmed its copy. Replaying is safe: the
 * consumer applies each event_id once. Bounded by what is in the queue when it
 * starts, so a message that fails again is not replayed in a loop.
 */
export async function replayDeadLetters(connection: ChannelModel, topology: MessagingTopology, limit: number): Promise<number> {
  const channel = await connection.createConfirmChannel();
  let replayed = 0;
  try {
    const { messageCount } = await channel.checkQueue(topology.deadLetterQueue);
    const bound = Math.min(limit, messageCount);
    while (replayed < bound) {
      const message = await channel.get(topology.deadLetterQueue, { noAck: false });
      if (message === false) break;
      const headers = Object.fromEntries(
        Object.entries((message.properties.headers ?? {}) as Record<string, unknown>).filter(
          ([name]) => !name.startsWith('x-dead-letter') && !name.startsWith('x-original-') && name !== 'x-death' && !name.startsWith('x-first-death'),
        ),
      );
      await new Promise<void>((resolve, reject) => {
        channel.publish(
          topology.exchange,
          topology.routingKey,
          message.content,
          {
            persistent: true,
            contentType: message.properties.contentType as string | undefined,
            messageId: message.properties.messageId as string | undefined,
            type: message.properties.type as string | undefined,
            timestamp: message.properties.timestamp as number | undefined,
            headers,
          },
          (error: unknown) => (error === null || error === undefined ? resolve() : reject(new Error('replay publish was not confirmed'))),
        );
      });
      channel.ack(message);
      replayed += 1;
    }
  } finally {
    await channel.close();
  }
  return replayed;
}

/** Deletes every dead letter; returns how many there were. */
export async function purgeDeadLetters(connection: ChannelModel, topology: MessagingTopology): Promise<number> {
  const channel = await connection.createChannel();
  try {
    const { messageCount } = await channel.purgeQueue(topology.deadLetterQueue);
    return messageCount;
  } finally {
    await channel.close();
  }
}
