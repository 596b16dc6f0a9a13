import { messagingTopology, type MessagingTopology } from '@orders/contracts';
import { createLogger } from '@orders/service-kit';
import {
  connectToBroker,
  createRecoveringChannel,
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type Options,
} from '@orders/service-kit/broker';
import { eventually, type EventuallyOptions } from '@orders/test-support';

export interface OutgoingMessage {
  body: Buffer;
  options: Options.Publish;
}

/** Every bench queue and exchange name starts with "bench.", then the owning run's id. */
export const benchTopology = (runId: string): MessagingTopology => messagingTopology(`bench.${runId}.`);

/**
 * The bench's own connection to RabbitMQ, through the services' broker layer:
 * queue depths, purges, preloads and the plain publish baseline. It only ever
 * touches names under the run's prefix.
 */
export async function openBenchBroker(url: string, topology: MessagingTopology) {
  // Errors only: checking a queue nobody declared yet closes the channel, which the layer logs as a warning and reopens.
  const logger = createLogger({ name: 'orders-bench', level: 'error', pretty: false });
  const admin = createRecoveringChannel({ purpose: 'bench admin', logger, open: (model) => model.createChannel() });
  let version = 'unknown';
  const setup = async (model: ChannelModel) => {
    version = model.connection.serverProperties.version;
    await admin.attach(model);
  };
  const connection = await connectToBroker({ urls: [url], connectionName: 'orders-bench', logger, setup });
  async function adminChannel(): Promise<Channel> {
    const channel = (await admin.waitUntilOpen(5_000)) ? admin.current() : undefined;
    if (channel === undefined) throw new Error('no RabbitMQ channel for the bench');
    return channel;
  }
  async function depth(queue: string): Promise<number> {
    try {
      return (await (await adminChannel()).checkQueue(queue)).messageCount;
    } catch {
      return 0;
    }
  }
  const queueDepth = () => depth(topology.queue);
  /** Polls the queue's depth (free for the system under test) until `accept`; false at the deadline, thrown on abort. */
  const watchDepth = (accept: (depth: number) => boolean, options: EventuallyOptions<number> & { signal: AbortSignal }) =>
    eventually(queueDepth, accept, options).then(
      () => true,
      () => {
        options.signal.throwIfAborted();
        return false;
      },
    );

  return {
    version: () => version,
    topology,
    queueDepth,
    deadLetterDepth: () => depth(topology.deadLetterQueue),
    /**
     * Publishes with confirms, never more than `window` unconfirmed at once: the plain way to publish
     * reliably, and the worker's baseline, so plain amqplib on purpose. Persistent and mandatory like the worker's messages.
     */
    publishWindowed: async (
      messages: readonly OutgoingMessage[],
      window: number,
      signal: AbortSignal,
      onProgress: (confirmed: number) => void,
    ) => publishWindowed(await connection.createConfirmChannel(), topology, { messages, window, signal, onProgress }),
    async purge(): Promise<void> {
      const channel = await adminChannel();
      await channel.purgeQueue(topology.queue);
      await channel.purgeQueue(topology.deadLetterQueue);
    },
    /** Waits until the queue holds `count` messages: a publish confirm does not promise the count is visible yet. */
    waitForDepth: async (count: number, signal: AbortSignal, timeoutMs: number) =>
      (await watchDepth((seen) => seen === count, { timeoutMs, intervalMs: 50, signal })) ? count : queueDepth(),
    watchDepth,
    createChannel: () => connection.createChannel(),
    // The channel first: closing it after its connection would wait for an answer that never comes.
    async close(): Promise<void> {
      await admin.close();
      await connection.close().catch(() => undefined);
    },
  };
}

export type BenchBroker = Awaited<ReturnType<typeof openBenchBroker>>;

async function publishWindowed(
  channel: ConfirmChannel,
  topology: MessagingTopology,
  options: { messages: readonly OutgoingMessage[]; window: number; signal: AbortSignal; onProgress: (confirmed: number) => void },
) {
  channel.on('error', () => undefined);
  const report = { confirmed: 0, returned: 0, nacked: 0, seconds: 0 };
  // Unroutable (basic.return): nothing bound to take it.
  channel.on('return', () => (report.returned += 1));
  // An object, not a boolean: the 'close' handler flips it while the loop below awaits.
  const state = { inFlight: 0, closed: false, wake: undefined as (() => void) | undefined };
  const wakeUp = () => state.wake?.();
  channel.on('close', () => {
    state.closed = true;
    wakeUp();
  });
  const started = performance.now();
  for (const message of options.messages) {
    while (state.inFlight >= options.window && !state.closed) await new Promise<void>((resolve) => (state.wake = resolve));
    if (state.closed) throw new Error('publish channel closed by the broker');
    options.signal.throwIfAborted();
    state.inFlight += 1;
    channel.publish(topology.exchange, topology.routingKey, message.body, { ...message.options, mandatory: true }, (error: unknown) => {
      state.inFlight -= 1;
      if (error === null || error === undefined) report.confirmed += 1;
      else report.nacked += 1;
      if (report.confirmed % 1_000 === 0) options.onProgress(report.confirmed);
      wakeUp();
    });
  }
  await channel.waitForConfirms();
  report.seconds = (performance.now() - started) / 1000;
  await channel.close().catch(() => undefined);
  return report;
}
