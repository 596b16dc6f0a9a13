import type { MessagingTopology } from '@orders/contracts';
import type { Logger, Registry } from '@orders/service-kit';
import { connectToBroker, createConfirmedPublisher, type BrokerConnection } from '@orders/service-kit/broker';
import type { DeadLetterBroker, DeadLetterChannel } from '../dead-letters/dead-letter-broker.js';
import { RepublishNotConfirmedError, type OrderCreatedRepublisher } from '../reconcile/republish-events.js';
import { orderCreatedMessageProperties, serializeOrderCreated } from '@orders/contracts';

export interface OperationsBroker extends DeadLetterBroker {
  /** For reconcile --repair: the stored events published again through the same confirmed publish. */
  republish: OrderCreatedRepublisher;
  /** host:port of the node connected to now, undefined while reconnecting. */
  currentNode(): string | undefined;
  close(): Promise<void>;
}

export interface OperationsBrokerOptions {
  urls: readonly string[];
  topology: MessagingTopology;
  connectionName: string;
  logger: Logger;
  metrics?: Registry;
  confirmTimeoutMs?: number;
}

/**
 * The broker as operator tools use it, over service-kit's broker layer: one
 * recovering connection, the confirmed + mandatory publisher on it, and plain
 * channels for taking dead letters. Rejects at start with one line when no
 * node answers.
 */
export async function connectOperationsBroker(options: OperationsBrokerOptions): Promise<OperationsBroker> {
  const publisher = createConfirmedPublisher({
    logger: options.logger,
    confirmTimeoutMs: options.confirmTimeoutMs ?? 10_000,
    purpose: 'operations',
  });
  const connection: BrokerConnection = await connectToBroker({
    urls: options.urls,
    connectionName: options.connectionName,
    logger: options.logger,
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    setup: (model) => publisher.attach(model),
  });
  const { topology } = options;
  return {
    topology,
    isConnected: () => connection.isConnected() && publisher.isReady(),
    currentNode: () => connection.currentNode(),
    async openChannel(): Promise<DeadLetterChannel> {
      const channel = await connection.createChannel();
      // A channel the broker closes (a queue not declared yet: 404) rejects the
      // operation that caused it; without a listener the error event would
      // also take the whole connection down.
      channel.on('error', (error: Error) => options.logger.debug({ err: error }, 'operations channel closed by the broker'));
      return channel;
    },
    async publish(messages) {
      const outcomes = await publisher.publish(messages);
      return outcomes.map((outcome) => outcome.status);
    },
    async republish(events) {
      const now = new Date();
      const outcomes = await publisher.publish(
        events.map((event) => ({
          exchange: topology.exchange,
          routingKey: topology.routingKey,
          content: serializeOrderCreated(event.payload),
          properties: orderCreatedMessageProperties(event.payload, event.traceparent, now),
        })),
      );
      const failed = outcomes.filter((outcome) => outcome.status !== 'confirmed').length;
      if (failed > 0) throw new RepublishNotConfirmedError(`${failed} of ${events.length} re-published events were not confirmed by RabbitMQ`);
    },
    async close() {
      await publisher.close();
      await connection.close();
    },
  };
}
