import type pg from 'pg';
import { QueueNotDeclaredError, readOutboxHealth, readQueueDepths, type OutboxHealth, type QueueDepths } from '@orders/operations';
import { isDatabaseReachable } from '@orders/service-kit';
import type { ConsoleBroker } from '../broker/console-broker.js';
import type { WatchedProcess } from '../config.js';
import { pipelineRates, type ConsumerSample, type PipelineRates } from './pipeline-rates.js';
import { probeProcesses, sampleConsumer, type ProcessHealth } from './probe-processes.js';

export interface Overview {
  outbox: OutboxHealth | undefined;
  queues: QueueDepths | undefined;
  orderDatabase: boolean;
  customerDatabase: boolean;
  broker: { connected: boolean; node: string | undefined };
  processes: ProcessHealth[];
  rates: PipelineRates;
  /** One line per part that could not be read, for the page to show. */
  problems: string[];
}

export interface OverviewSources {
  orderDb: pg.Pool;
  customerDb: pg.Pool;
  broker: ConsoleBroker;
  processes: readonly WatchedProcess[];
  now: () => number;
}

/**
 * Everything the overview shows, each part read on its own: a database or
 * the broker being down is itself the news, so it is reported, not thrown.
 * Rates need two readings; the previous one is kept between calls.
 */
export function createOverviewReader(sources: OverviewSources): () => Promise<Overview> {
  let previous: ConsumerSample | undefined;
  return async () => {
    const problems: string[] = [];
    const broker = sources.broker.current();
    const [orderDatabase, customerDatabase, processes, latest] = await Promise.all([
      isDatabaseReachable(sources.orderDb),
      isDatabaseReachable(sources.customerDb),
      probeProcesses(sources.processes),
      sampleConsumer(
        sources.processes.find((process) => process.name === 'order_created_consumer'),
        sources.now,
      ),
    ]);
    let outbox: OutboxHealth | undefined;
    if (orderDatabase) {
      outbox = await readOutboxHealth(sources.orderDb).catch(() => undefined);
      if (outbox === undefined) problems.push('the order database answered but the outbox could not be read');
    } else {
      problems.push('the order database (order_service) does not answer: outbox figures are unknown');
    }
    if (!customerDatabase) problems.push('the customer database (customer_service) does not answer: reconciliation cannot run');
    let queues: QueueDepths | undefined;
    if (broker?.isConnected() === true) {
      try {
        queues = await sources.broker.exclusive(() => readQueueDepths(broker));
      } catch (error) {
        problems.push(error instanceof QueueNotDeclaredError ? error.message : 'RabbitMQ answered but the queues could not be read');
      }
    } else {
      problems.push('RabbitMQ does not answer: queue and dead-letter depths are unknown');
    }
    const rates = pipelineRates(previous, latest);
    if (latest !== undefined) previous = latest;
    return {
      outbox,
      queues,
      orderDatabase,
      customerDatabase,
      broker: { connected: broker?.isConnected() === true, node: broker?.currentNode() },
      processes,
      rates,
      problems,
    };
  };
}
