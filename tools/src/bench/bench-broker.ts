import { messagingTopology, type MessagingTopology } from '@orders/contracts';
import { createLogger } from '@orders/service-kit';
import { connectToBroker, createRecoveringChannel, type ChannelModel, type ConfirmChannel, type Options } from '@orders/service-kit/broker';
import { eventually } from '@orders/test-support';

export interface OutgoingMessage {
  body: Buffer;
  options: Options.Publish;
}

/** Every bench queue and exchange name starts with "bench.", then the owning run's id. */
export const benchTopology = (runId: string): MessagingTopology => messagingTopology(`bench.${runId}.`);

/**
 * The bench's own connection to RabbitMQ, through the services' broker layer:
 * queue depths, purges, preloads and the plain publish baseline, only ever on
 * names under the run's prefix.
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
  const channel = async () => {
    const open = (await admin.waitUntilOpen(5_000)) ? admin.current() : undefined;
    if (open === undefined) throw new Error('no RabbitMQ channel for the bench');
    return open;
  };
  const depth = async (queue: string) => (await (await channel()).checkQueue(queue).catch(() => ({ messageCount: 0 }))).messageCount;
  const queueDepth = () => depth(topology.queue);
  return {
    version: () => version,
    topology,
    queueDepth,
    deadLetterDepth: () => depth(topology.deadLetterQueue),
    /** Polls the queue's depth (free for the system under test) until `accept`; false at the deadline, thrown on abort. */
    watchDepth: (accept: (depth: number) => boolean, timeoutMs: number, signal: AbortSignal, intervalMs = 100) =>
      eventually(queueDepth, accept, { timeoutMs, intervalMs, signal }).then(
        () => true,
        () => {
          signal.throwIfAborted();
          return false;
        },
      ),
    /** Publishes with confirms, at most `window` unconfirmed: the plain reliable way, and so plain amqplib. */
    publishWindowed: async (messages: readonly OutgoingMessage[], window: number, signal: AbortSignal) =>
      publishWindowed(await connection.createConfirmChannel(), topology, messages, window, signal),
    async purge(): Promise<void> {
      await (await channel()).purgeQueue(topology.queue);
      await (await channel()).purgeQueue(topology.deadLetterQueue);
    },
    createChannel: () => connection.createChannel(),
    // The channel first: closing it after its connection would wait for an answer that never comes.
    async close(): Promise<void> {
      await admin.close();
      await connection.close().catch(() => undefined);
    },
  };
}
export type BenchBroker = Awaited<ReturnType<typeof openBenchBroker>>;

/** Persistent and mandatory, like the worker's messages; a message nothing is bound to take comes back as returned. */
async function publishWindowed(
  channel: ConfirmChannel,
  topology: MessagingTopology,
  messages: readonly OutgoingMessage[],
  window: number,
  signal: AbortSignal,
) {
  const report = { confirmed: 0, returned: 0, nacked: 0, seconds: 0 };
  // An object: the handlers change it while the loop below awaits.
  const state = { inFlight: 0, closed: false, wake: (): void => undefined };
  channel.on('error', () => undefined);
  channel.on('return', () => (report.returned += 1));
  channel.on('close', () => {
    state.closed = true;
    state.wake();
  });
  const started = performance.now();
  for (const message of messages) {
    while (state.inFlight >= window && !state.closed) await new Promise<void>((resolve) => (state.wake = resolve));
    if (state.closed) throw new Error('publish channel closed by the broker');
    signal.throwIfAborted();
    state.inFlight += 1;
    channel.publish(topology.exchange, topology.routingKey, message.body, { ...message.options, mandatory: true }, (error: unknown) => {
      state.inFlight -= 1;
      if (error === null || error === undefined) report.confirmed += 1;
      else report.nacked += 1;
      state.wake();
    });
  }
  await channel.waitForConfirms();
  report.seconds = (performance.now() - started) / 1000;
  await channel.close().catch(() => undefined);
  return { ...report, rate: report.confirmed / report.seconds };
}
