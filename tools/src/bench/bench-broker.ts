import amqp, { type Channel, type Options } from 'amqplib';
import { messagingTopology, type MessagingTopology } from '@orders/contracts';
import { pause } from '@orders/test-support';

export interface OutgoingMessage {
  body: Buffer;
  options: Options.Publish;
}

export interface PublishReport {
  confirmed: number;
  /** Unroutable (basic.return): nothing bound to take it. */
  returned: number;
  nacked: number;
  seconds: number;
}

/** Every bench queue and exchange name starts with "bench.", then the owning run's id. */
export function benchTopology(runId: string): MessagingTopology {
  return messagingTopology(`bench.${runId}.`);
}

/**
 * The bench's own connection to RabbitMQ: queue depths, purges, preloads and
 * the plain publish baseline. It only ever touches names under the run's
 * prefix.
 */
export async function openBenchBroker(url: string, topology: MessagingTopology) {
  const model = await amqp.connect(url, { clientProperties: { connection_name: 'orders-bench' } });
  model.on('error', () => undefined);
  let admin: Channel | undefined;

  // A failed check (a queue that does not exist) closes the channel: open a new one next time.
  async function adminChannel(): Promise<Channel> {
    if (admin !== undefined) return admin;
    const channel = await model.createChannel();
    channel.on('error', () => undefined);
    channel.on('close', () => {
      if (admin === channel) admin = undefined;
    });
    admin = channel;
    return channel;
  }

  async function depth(queue: string): Promise<number> {
    try {
      return (await (await adminChannel()).checkQueue(queue)).messageCount;
    } catch {
      return 0;
    }
  }

  /**
   * Publishes with confirms, never more than `window` unconfirmed at once:
   * the plain way to publish reliably, and the worker's baseline. Persistent
   * and mandatory like the worker's messages.
   */
  async function publishWindowed(
    messages: readonly OutgoingMessage[],
    window: number,
    signal: AbortSignal,
    onProgress?: (confirmed: number) => void,
  ): Promise<PublishReport> {
    const channel = await model.createConfirmChannel();
    channel.on('error', () => undefined);
    const report: PublishReport = { confirmed: 0, returned: 0, nacked: 0, seconds: 0 };
    channel.on('return', () => {
      report.returned += 1;
    });
    let inFlight = 0;
    // An object, not a boolean: the 'close' handler flips it while the loop below awaits.
    const channelState = { closed: false };
    let wake: (() => void) | undefined;
    const wakeUp = () => {
      const waiting = wake;
      wake = undefined;
      waiting?.();
    };
    channel.on('close', () => {
      channelState.closed = true;
      wakeUp();
    });
    const started = performance.now();
    for (const message of messages) {
      while (inFlight >= window && !channelState.closed) await new Promise<void>((resolve) => (wake = resolve));
      if (channelState.closed) throw new Error('publish channel closed by the broker');
      signal.throwIfAborted();
      inFlight += 1;
      channel.publish(topology.exchange, topology.routingKey, message.body, { ...message.options, mandatory: true }, (error: unknown) => {
        inFlight -= 1;
        if (error === null || error === undefined) report.confirmed += 1;
        else report.nacked += 1;
        if (onProgress !== undefined && report.confirmed % 1_000 === 0) onProgress(report.confirmed);
        wakeUp();
      });
    }
    await channel.waitForConfirms();
    report.seconds = (performance.now() - started) / 1000;
    await channel.close().catch(() => undefined);
    return report;
  }

  return {
    version: model.connection.serverProperties.version,
    topology,
    queueDepth: () => depth(topology.queue),
    deadLetterDepth: () => depth(topology.deadLetterQueue),
    publishWindowed,
    async purge(): Promise<void> {
      const channel = await adminChannel();
      await channel.purgeQueue(topology.queue);
      await channel.purgeQueue(topology.deadLetterQueue);
    },
    /** Waits until the queue holds `count` messages: a publish confirm does not promise the count is visible yet. */
    async waitForDepth(count: number, signal: AbortSignal, timeoutMs: number): Promise<number> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const seen = await depth(topology.queue);
        if (seen === count || Date.now() > deadline) return seen;
        await pause(50, signal);
      }
    },
    createChannel: () => model.createChannel(),
    async close(): Promise<void> {
      await model.close().catch(() => undefined);
    },
  };
}

export type BenchBroker = Awaited<ReturnType<typeof openBenchBroker>>;
