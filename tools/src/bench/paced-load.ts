import { Agent, request } from 'node:http';
import { eventually, pause } from '@orders/test-support';
import { summarize } from './latency-stats.js';

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Open-loop load: order i is due at start + i / rate, whatever happened to
 * the ones before. autocannon's rate limit sends each connection's quota in
 * a burst at the start of every second, which is not a steady load; and a
 * closed loop slows down with the server, hiding queueing (coordinated
 * omission). Latency (2xx only) counts from the due time, so waiting for a
 * free connection is part of it. A request is skipped (not sent) when too
 * many are already waiting: the API did not keep up.
 */
export async function placeOrdersAtRate(options: {
  baseUrl: string;
  rate: number;
  seconds: number;
  bodies: readonly string[];
  signal: AbortSignal;
  onTick: (sent: number, created: number) => void;
}) {
  const { rate, signal } = options;
  const url = new URL('/api/v1/orders', options.baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const maxInFlight = Math.max(256, rate);
  const total = Math.round(rate * options.seconds);
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  const tally = { inFlight: 0, created: 0, failed: 0, skipped: 0, lastAnswerAt: 0 };
  const started = performance.now();

  function send(index: number): void {
    const dueAt = started + (index * 1000) / rate;
    if (tally.inFlight >= maxInFlight) {
      tally.skipped += 1;
      return;
    }
    tally.inFlight += 1;
    let finished = false;
    const finish = (status: number) => {
      if (finished) return;
      finished = true;
      tally.inFlight -= 1;
      tally.lastAnswerAt = performance.now();
      statusCodes[String(status)] = (statusCodes[String(status)] ?? 0) + 1;
      if (status < 200 || status >= 300) {
        tally.failed += 1;
        return;
      }
      tally.created += 1;
      latencies.push(tally.lastAnswerAt - dueAt);
    };
    const body = options.bodies[index % options.bodies.length] ?? '{}';
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const outgoing = request(url, { method: 'POST', agent, headers }, (response) => {
      response.on('error', () => finish(0));
      response.on('end', () => finish(response.statusCode ?? 0));
      response.resume();
    });
    outgoing.setTimeout(REQUEST_TIMEOUT_MS, () => outgoing.destroy(new Error('timed out')));
    outgoing.on('error', () => finish(0));
    outgoing.end(body);
  }

  try {
    for (let next = 0; next < total; ) {
      signal.throwIfAborted();
      const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
      while (next < due) send(next++);
      options.onTick(next, tally.created);
      if (next < total) await pause(Math.max(0, started + (next * 1000) / rate - performance.now()), signal);
    }
    const last = { timeoutMs: REQUEST_TIMEOUT_MS + 5_000, intervalMs: 10, what: 'the last answers', signal };
    await eventually(async () => tally.inFlight, (waiting) => waiting === 0, last);
  } finally {
    agent.destroy();
  }
  // Orders created per second over the window, or until the last answer if later.
  const windowSeconds = Math.max(options.seconds, (tally.lastAnswerAt - started) / 1000);
  const { created, failed, skipped } = tally;
  return {
    offeredRate: rate,
    seconds: options.seconds,
    scheduled: total,
    created,
    failed,
    skipped,
    achievedRate: created / windowSeconds,
    latencyMs: summarize(latencies),
    statusCodes,
  };
}

export type PacedLoadResult = Awaited<ReturnType<typeof placeOrdersAtRate>>;
