import pg from 'pg';
import { OUTBOX_WAKEUP_CHANNEL } from '@orders/contracts';
import { jitteredBackoff, type Logger } from '@orders/service-kit';
import type { WakeSignal } from './wake-signal.js';

/**
 * Holds one LISTEN connection and pokes the wake signal on every notification,
 * so the worker publishes a new order within milliseconds while an idle worker
 * makes no queries at all. If the connection drops it reconnects with backoff
 * and pokes once, since rows may have arrived while nobody listened; meanwhile
 * the worker's slow backstop poll covers the gap.
 */
export function listenForOutboxWakeups(options: { url: string; signal: WakeSignal; logger: Logger }) {
  let client: pg.Client | undefined;
  let stopped = false;
  // Read through a function: close() may flip it while connect() awaits.
  const isStopped = () => stopped;
  let attempt = 0;
  let retryTimer: NodeJS.Timeout | undefined;

  async function connect(): Promise<void> {
    if (stopped) return;
    const next = new pg.Client({ connectionString: options.url, application_name: 'order_outbox_worker:listen', keepAlive: true });
    next.on('notification', () => {
      options.signal.poke();
    });
    next.on('error', (error) => {
      options.logger.warn({ err: error }, 'outbox LISTEN connection lost; reconnecting');
    });
    next.on('end', () => {
      if (client !== next) return;
      client = undefined;
      scheduleReconnect();
    });
    try {
      await next.connect();
      await next.query(`listen ${OUTBOX_WAKEUP_CHANNEL}`);
    } catch (error) {
      next.removeAllListeners('end');
      await next.end().catch(() => undefined);
      if (attempt === 0) options.logger.warn({ err: error }, 'cannot LISTEN for outbox wake-ups yet; polling until it can');
      scheduleReconnect();
      return;
    }
    if (isStopped()) {
      await next.end().catch(() => undefined);
      return;
    }
    if (attempt > 0) options.logger.info('listening for outbox wake-ups again');
    attempt = 0;
    client = next;
    options.signal.poke();
  }

  function scheduleReconnect(): void {
    if (stopped || retryTimer !== undefined) return;
    attempt += 1;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, jitteredBackoff(attempt, 200, 5_000));
  }

  void connect();

  return {
    async close(): Promise<void> {
      stopped = true;
      clearTimeout(retryTimer);
      const open = client;
      client = undefined;
      await open?.end().catch(() => undefined);
    },
  };
}
