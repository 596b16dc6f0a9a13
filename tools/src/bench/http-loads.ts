import { startOrderLoad } from '@orders/test-support';
import autocannon from 'autocannon';
import { summarize } from './latency-stats.js';

/**
 * Closed loop: `connections` keep-alive connections, each sending the next
 * POST as soon as the previous answer arrives, for `seconds`; the bodies go in
 * turn, so orders spread over the customers.
 */
export async function placeOrdersAsFastAsPossible(
  url: string,
  bodies: readonly string[],
  connections: number,
  seconds: number,
  signal: AbortSignal,
) {
  signal.throwIfAborted();
  const requests = bodies.map((body) => ({ method: 'POST' as const, body }));
  const options = {
    url: `${url}/api/v1/orders`,
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    requests,
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error: unknown, done: autocannon.Result) => {
      signal.removeEventListener('abort', stop);
      if (error === null || error === undefined) resolve(done);
      else reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }));
    });
    const stop = () => instance.stop();
    signal.addEventListener('abort', stop, { once: true });
  });
  signal.throwIfAborted();
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats.count ?? 0]));
  const { duration, non2xx, errors, latency } = result;
  const latencyMs = { p50: latency.p50, p99: latency.p99, max: latency.max };
  return { seconds: duration, rate: result['2xx'] / duration, created: result['2xx'], non2xx, errors, statusCodes, latencyMs };
}

/**
 * Open loop at `rate` orders/s, through test support's order load (a closed
 * loop slows down with the server and hides queueing; autocannon's rate
 * limit sends each second's quota in a burst). Latency counts from each
 * request's due time; at most 64 connections, as a client pool would hold.
 */
export async function placeOrdersAtRate(
  orderServiceUrl: string,
  customerIds: readonly number[],
  rate: number,
  seconds: number,
  signal: AbortSignal,
) {
  const options = { orderServiceUrl, customerIds, ratePerSecond: rate, durationMs: seconds * 1000, label: 'bench', timeoutMs: 10_000 };
  const load = startOrderLoad({ ...options, maxInFlight: Math.max(256, rate), maxSockets: 64 });
  const stop = () => load.stop();
  signal.addEventListener('abort', stop, { once: true });
  const { attempts } = await load.finished.finally(() => signal.removeEventListener('abort', stop));
  signal.throwIfAborted();
  const created = attempts.filter((attempt) => attempt.outcome?.kind === 'response' && attempt.outcome.status === 201);
  const skipped = attempts.filter((attempt) => attempt.outcome?.kind === 'skipped').length;
  const lastAnswer = attempts.reduce((last, attempt) => Math.max(last, attempt.settledAt ?? 0), 0) - (attempts[0]?.dueAt ?? 0);
  // Orders created per second over the window, or until the last answer if later.
  const achievedRate = created.length / Math.max(seconds, lastAnswer / 1000);
  const latencyMs = summarize(created.map((attempt) => (attempt.settledAt ?? Number.NaN) - attempt.dueAt));
  return {
    offeredRate: rate,
    seconds,
    sent: attempts.length - skipped,
    created: created.length,
    failed: attempts.length - skipped - created.length,
    skipped,
    achievedRate,
    latencyMs,
  };
}
