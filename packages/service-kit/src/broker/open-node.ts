import amqp, { type ChannelModel } from 'amqplib';
import type { Logger } from '../observability/logger.js';
import { withHeartbeat } from './broker-node.js';

/** Opens a connection to one node. */
async function openNode(url: string, connectionName: string): Promise<ChannelModel> {
  const socketOptions = {
    clientProperties: { connection_name: connectionName },
    // A node that takes connections but never answers (a blackholed network)
    // fails the attempt after this long instead of hanging it.
    timeout: 5_000,
    // Passed on to net.connect (amqplib's types do not list it): room for a
    // whole corked batch of frames (confirmed-publisher.ts). At the default
    // 16 KiB amqplib's multiplexer stops at the mark and, after the uncork,
    // writes the rest one frame, one system call, at a time.
    writableHighWaterMark: 1024 * 1024,
  };
  return amqp.connect(withHeartbeat(url, 5), socketOptions);
}

/**
 * One attempt on one node: open the connection and run the setup on it. A
 * setup that fails closes that connection again, and the attempt throws.
 */
export async function openAndSetUp(
  url: string,
  connectionName: string,
  logger: Logger,
  setup: ((model: ChannelModel) => Promise<void>) | undefined,
): Promise<ChannelModel> {
  const opened = await openNode(url, connectionName);
  // Without a listener an 'error' event would crash the process; the 'close' that follows does the work.
  opened.on('error', (error: Error) => logger.debug({ err: error }, 'RabbitMQ connection error'));
  try {
    await setup?.(opened);
  } catch (error) {
    await closeModel(opened);
    throw error;
  }
  return opened;
}

/**
 * Closes politely, but not forever: on a silent link (a blackholed network)
 * close-ok never comes, so after a short wait the socket is simply destroyed.
 */
export async function closeModel(model: ChannelModel): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), 2_000);
  });
  const closing = model.close().catch(() => undefined);
  const result = await Promise.race([closing, late]);
  clearTimeout(timer);
  if (result === 'late') (model as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}
