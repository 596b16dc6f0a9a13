import pg from 'pg';
import { sleep, type Logger } from '@orders/service-kit';
import { OUTBOX_WAKEUP_CHANNEL } from '@orders/contracts';
import { createArrivalRate } from './claim-coalescing.js';
import { hintDelayMs } from './hint-spacing.js';

export interface OutboxWakeup {
  /** "New outbox rows were committed": wakes the outbox worker. Never waits, never throws. */
  notify(): void;
  close(): Promise<void>;
}

/** For processes that do not wake the worker (OUTBOX_WAKEUP=poll): the worker's poll finds the rows. */
export const noOutboxWakeup: OutboxWakeup = { notify: () => undefined, close: async () => undefined };

/**
 * Sends the worker's wake-up hint after a batch of orders has committed (the
 * group commit asks once per batch, not once per order), on a connection of
 * its own, so no commit ever waits for it.
 *
 * Hints are coalesced: while one NOTIFY is on its way, any number of new
 * batches ask for one more, sent when it returns (under load, no sooner than
 * hint-spacing.ts allows); the worker gets a steady trickle of hints instead
 * of one per batch. The hint needs no durability (the worker's poll is the
 * backstop), so its transaction commits without waiting for a WAL flush
 * (synchronous_commit off), and the lock PostgreSQL takes to order NOTIFY
 * commits is held for microseconds.
 */
export function createOutboxWakeupSender(options: { url: string; logger: Logger }): OutboxWakeup {
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client | undefined> | undefined;
  let sending = false;
  let wanted = false;
  let closed = false;
  // Read through a function where it may have flipped while send() awaited.
  const isClosed = () => closed;
  let warned = false;
  let lastSentAt = 0;
  const requests = createArrivalRate();

  async function connect(): Promise<pg.Client | undefined> {
    const next = new pg.Client({ connectionString: options.url, application_name: 'order_service:outbox-wakeup', keepAlive: true });
    next.on('error', () => {
      // The next notify() reconnects; the worker's poll covers the gap.
      if (client === next) client = undefined;
    });
    try {
      await next.connect();
      await next.query('set synchronous_commit to off');
      warned = false;
      return next;
    } catch (error) {
      if (!warned) options.logger.warn({ err: error }, 'cannot send the outbox wake-up; the worker will find new orders by polling');
      warned = true;
      await next.end().catch(() => undefined);
      return undefined;
    }
  }

  async function send(): Promise<void> {
    sending = true;
    while (wanted && !closed) {
      const wait = hintDelayMs(Date.now() - lastSentAt, requests.perSecond());
      if (wait > 0) await sleep(wait);
      // close() may have come while this waited: it must not be followed by a new connection.
      if (isClosed()) break;
      wanted = false;
      if (client === undefined) {
        connecting ??= connect().finally(() => (connecting = undefined));
        client = await connecting;
        if (client === undefined) break;
        if (isClosed()) {
          await client.end().catch(() => undefined);
          client = undefined;
          break;
        }
      }
      try {
        await client.query(`select pg_notify('${OUTBOX_WAKEUP_CHANNEL}', '')`);
        lastSentAt = Date.now();
      } catch {
        const broken = client;
        client = undefined;
        await broken.end().catch(() => undefined);
      }
    }
    sending = false;
  }

  return {
    notify() {
      if (closed) return;
      requests.record(1);
      wanted = true;
      if (!sending) void send();
    },
    async close() {
      closed = true;
      const open = client;
      client = undefined;
      await open?.end().catch(() => undefined);
    },
  };
}
