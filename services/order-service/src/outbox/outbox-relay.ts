import { isTransientDatabaseError, jitteredBackoff, sleep } from '@orders/service-kit';
import type { OrderServiceConfig } from '../config.js';
import { relayBatch, recordBatchMetrics, type BatchReport, type RelayBatchDeps } from './relay-batch.js';
import { coalescingDelayMs, createArrivalRate } from './wakeup/claim-coalescing.js';

/** What the relay needs of the wake-up: a hint that rows may be due, without knowing where it comes from. */
export interface RelayWakeup {
  generation(): number;
  /** Resolves when the generation differs from `seen`, or after `timeoutMs`. */
  waitForChange(seen: number, timeoutMs: number): Promise<void>;
  poke(): void;
}

export interface OutboxRelayOptions extends Omit<RelayBatchDeps, 'batchSize' | 'policy'> {
  wakeup: RelayWakeup;
  /** True while the broker blocks publishing (a resource alarm): publishes would only pile up unconfirmed. */
  isBlocked: () => boolean;
  settings: OrderServiceConfig['outbox'];
}

export interface OutboxRelay {
  relayBatch(): Promise<BatchReport>;
  start(): void;
  /** Stop claiming; batches in flight finish publishing and commit. */
  stop(): Promise<void>;
}

/**
 * Moves outbox rows to the broker, batch after batch (see relay-batch.ts).
 * Several loops run side by side, and several workers, kept apart by SKIP
 * LOCKED. A loop waits while there is no channel to the broker, so a node
 * being lost shows as a pause, not as rows spending attempts, and while the
 * broker blocks publishing, so rows are not sent again and again unconfirmed.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { publisher, wakeup, logger, settings } = options;
  const stopping = new AbortController();
  const arrivals = createArrivalRate();
  const deps: RelayBatchDeps = { ...options, batchSize: settings.batchSize, policy: settings };
  let loops: Promise<void>[] = [];
  let databaseDown = false;
  // Under load the loops share one claim schedule, so two loops do not split
  // each gathered batch in halves.
  let nextHotClaimAt = 0;

  async function timedBatch(): Promise<BatchReport> {
    const started = process.hrtime.bigint();
    const report = await relayBatch(deps);
    recordBatchMetrics(options.metrics, logger, report, Number(process.hrtime.bigint() - started) / 1e9);
    return report;
  }

  /** One claim, or a backoff when the database cannot be reached; undefined means "try again". */
  async function claimOnce(failures: number): Promise<BatchReport | undefined> {
    try {
      const report = await timedBatch();
      if (databaseDown) {
        databaseDown = false;
        logger.info('outbox relay reached the database again');
      }
      return report;
    } catch (error) {
      if (!databaseDown) {
        databaseDown = true;
        logger.error({ err: error, transient: isTransientDatabaseError(error) }, 'outbox relay cannot reach the database; retrying with backoff');
      }
      await sleep(jitteredBackoff(failures + 1, 100, 5_000), stopping.signal);
      return undefined;
    }
  }

  /** After a batch that was not full: wait for a hint (or the backstop poll), then let rows gather under load. */
  async function waitForWork(seen: number): Promise<void> {
    await wakeup.waitForChange(seen, settings.pollIntervalMs);
    const gather = coalescingDelayMs(arrivals.perSecond(), { minRate: 400, targetRows: settings.coalesceTargetRows, maxMs: settings.coalesceMaxMs });
    if (gather <= 0) return;
    const now = Date.now();
    const claimAt = Math.max(now + gather, nextHotClaimAt);
    nextHotClaimAt = claimAt + gather;
    await sleep(claimAt - now, stopping.signal);
  }

  async function loop(): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      if (!publisher.isReady() || options.isBlocked()) {
        await (publisher.isReady() ? sleep(settings.pollIntervalMs, stopping.signal) : publisher.waitUntilReady(settings.pollIntervalMs));
        continue;
      }
      const seen = wakeup.generation();
      const report = await claimOnce(failures);
      failures = report === undefined ? failures + 1 : 0;
      if (report === undefined) continue;
      arrivals.record(report.claimed);
      // A full batch means more are probably waiting: claim again at once.
      if (report.claimed === settings.batchSize && report.unconfirmed === 0) continue;
      await waitForWork(seen);
    }
  }

  return {
    relayBatch: timedBatch,
    start() {
      loops = Array.from({ length: settings.concurrency }, () => loop());
    },
    async stop() {
      stopping.abort();
      wakeup.poke();
      await Promise.all(loops);
    },
  };
}
