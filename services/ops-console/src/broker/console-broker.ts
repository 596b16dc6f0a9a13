import type { MessagingTopology } from '@orders/contracts';
import { connectOperationsBroker, type OperationsBroker } from '@orders/operations';
import { Registry, sleep, type Logger } from '@orders/service-kit';

type Metric = Parameters<Registry['registerMetric']>[0];

export interface ConsoleBroker {
  /** The connected broker, or undefined while none answers (the console keeps serving). */
  current(): OperationsBroker | undefined;
  /**
   * Runs dead-letter work one piece at a time. A sweep holds every letter
   * unacknowledged while it works, so a depth read or a second sweep beside
   * it (two tabs, the page's own refresh) would see the queue short.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const RETRY_MS = 5_000;

/**
 * The console starts and serves its page without RabbitMQ: an operator opens
 * it precisely when something is wrong. Until a node answers, it keeps trying
 * in the background; once connected, the broker layer's own recovery moves it
 * between nodes. Broker actions answer 503 meanwhile.
 */
export function keepConsoleBroker(options: {
  urls: readonly string[];
  topology: MessagingTopology;
  logger: Logger;
  metrics: Registry;
}): ConsoleBroker {
  const stopping = new AbortController();
  const stopped = () => stopping.signal.aborted;
  let broker: OperationsBroker | undefined;
  const connecting = (async () => {
    for (let attempt = 1; !stopping.signal.aborted; attempt += 1) {
      // A failed attempt registers its metrics on a throwaway registry; only the one that connects reports.
      const attemptMetrics = new Registry();
      try {
        const connected = await connectOperationsBroker({
          urls: options.urls,
          topology: options.topology,
          connectionName: 'ops_console',
          logger: options.logger,
          metrics: attemptMetrics,
        });
        if (stopped()) {
          await connected.close();
          return;
        }
        // getMetricsAsArray is typed as plain objects but returns the metric instances themselves.
        for (const metric of attemptMetrics.getMetricsAsArray()) options.metrics.registerMetric(metric as unknown as Metric);
        broker = connected;
        return;
      } catch (error) {
        if (attempt === 1) options.logger.warn({ err: error }, `RabbitMQ does not answer; the console runs without it and retries every ${RETRY_MS / 1000} s`);
        await sleep(RETRY_MS, stopping.signal);
      }
    }
  })();
  let queue: Promise<unknown> = Promise.resolve();
  return {
    current: () => broker,
    exclusive(work) {
      const turn = queue.then(work, work);
      queue = turn.catch(() => undefined);
      return turn;
    },
    async close() {
      stopping.abort();
      await connecting;
      await broker?.close();
    },
  };
}
