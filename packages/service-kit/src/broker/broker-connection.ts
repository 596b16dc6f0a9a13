import amqp, { type ChannelModel } from 'amqplib';
import type { Logger } from '../observability/logger.js';
import { Gauge, type Registry } from '../observability/metrics.js';
import { DependencyUnavailableError } from '../lifecycle/startup-errors.js';

export type BrokerConnection = Awaited<ReturnType<typeof connectToBroker>>;

export interface BrokerConnectionOptions {
  url: string;
  /** Shown in RabbitMQ's management UI, so an operator can tell the processes apart. */
  connectionName: string;
  logger: Logger;
  /** Where to report the connection state (rabbitmq_connected 1 or 0). */
  metrics?: Registry;
  /** Runs after every (re)connect: declare topology, open channels, start consuming. */
  onConnected: (model: ChannelModel) => Promise<void>;
  onDisconnected?: (error: Error) => void;
}

function describeBroker(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5672'}`;
}

/**
 * A RabbitMQ connection that reconnects by itself with exponential backoff and
 * jitter (amqplib's own recovery), logging each change of state once. The
 * first connection must succeed quickly, so a process started without a
 * broker says so in one line instead of waiting in silence.
 */
export async function connectToBroker(options: BrokerConnectionOptions) {
  const where = describeBroker(options.url);
  let connected = false;
  if (options.metrics) {
    new Gauge({
      name: 'rabbitmq_connected',
      help: '1 while the connection to RabbitMQ is up, 0 while reconnecting',
      registers: [options.metrics],
      collect() {
        this.set(connected ? 1 : 0);
      },
    });
  }
  try {
    const url = new URL(options.url);
    // Short heartbeats notice a silently dead link (a blackholed network) within seconds.
    if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', '5');
    const connection = await amqp.connect(url.toString(), {
      clientProperties: { connection_name: options.connectionName },
      // A link that takes connections but never answers (a blackholed network)
      // fails the attempt after this long instead of hanging it.
      timeout: 5_000,
      recovery: {
        initialDelay: 200,
        maxDelay: 5_000,
        factor: 2,
        jitter: 0.3,
        initialMaxRetries: 3,
        maxRetries: Infinity,
        setup: async (model: ChannelModel) => {
          await options.onConnected(model);
        },
      },
    });
    connected = true;
    options.logger.info({ broker: where }, 'connected to RabbitMQ');
    connection.on('disconnect', (error: Error) => {
      if (!connected) return;
      connected = false;
      options.logger.warn({ broker: where, err: error }, 'lost RabbitMQ connection; reconnecting');
      options.onDisconnected?.(error);
    });
    connection.on('connect', () => {
      if (connected) return;
      connected = true;
      options.logger.info({ broker: where }, 'reconnected to RabbitMQ');
    });
    connection.on('error', (error: Error) => {
      options.logger.debug({ err: error }, 'RabbitMQ connection error');
    });
    // A reconnect whose setup fails (say, a queue declared elsewhere with other
    // arguments) would otherwise retry in silence.
    let lastFailure = '';
    connection.on('connect-failed', (error: Error) => {
      if (error.message === lastFailure) return;
      lastFailure = error.message;
      options.logger.warn({ broker: where, err: error }, 'RabbitMQ reconnect attempt failed; retrying with backoff');
    });
    connection.on('connect', () => {
      lastFailure = '';
    });
    return {
      connection,
      isConnected: () => connected,
      close: async () => {
        connected = false;
        await connection.close().catch(() => undefined);
      },
    };
  } catch (error) {
    throw new DependencyUnavailableError('RabbitMQ', where, error);
  }
}
