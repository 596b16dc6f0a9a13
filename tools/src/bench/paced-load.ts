import { Agent, request } from 'node:http';
import { summarize, type Distribution } from './latency-stats.js';
import { eventually, pause } from '@orders/test-support';

export interface PacedLoadResult {
  offeredRate: number;
  seconds: number;
  scheduled: number;
  created: number;
  failed: number;
  /** Not sent because too many requests were already waiting: the API did not keep up. */
  skipped: number;
  /** Orders created per second over the window (or until the last answer, if later). */
  achievedRate: number;
  /** 2xx only, measured from when the request was due, not when it could be sent. */
  latencyMs: Distribution;
  statusCodes: Record<string, number>;
}

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Open-loop load: order i is due at start + i / rate, whatever happened to
 * the ones before. autocannon's rate limit sends each connection's quota in
 * a burst at the start of every second, which is not a steady load; and a
 * closed loop slows down with the server, hiding queueing (coordinated
 * omission). Latency counts from the due time, so waiting for a free
 * connection is part of it.
 */
export async function placeOrdersAtRate(options: {
  baseUrl: string;
  rate: number;
  seconds: number;
  bodies: readonly string[];
  signal: AbortSignal;
  maxInFlight?: number;
  onTick?: (sent: number, created: number) => void;
}): Promise<PacedLoadResult> {
  const url = new URL('/api/v1/orders', options.baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const maxInFlight = options.maxInFlight ?? Math.max(256, options.rate);
  const total = Math.round(options.rate * options.seconds);
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let inFlight = 0;
  let created = 0;
  let failed = 0;
  let skipped = 0;
  let lastAnswerAt = 0;
  const started = performance.now();

  function send(index: number): void {
    const dueAt = started + (index * 1000) / options.rate;
    if (inFlight >= maxInFlight) {
      skipped += 1;
      return;
    }
    inFlight += 1;
    let finished = false;
    const finish = (status: number) => {
      if (finished) return;
      finished = true;
      inFlight -= 1;
      lastAnswerAt = performance.now();
      statusCodes[String(status)] = (statusCodes[String(status)] ?? 0) + 1;
      if (status >= 200 && status < 300) {
        created += 1;
        latencies.push(lastAnswerAt - dueAt);
      } else {
        failed += 1;
      }
    };
    const body = options.bodies[index % options.bodies.length] ?? '{}';
    const outgoing = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        response.on('error', () => finish(0));
        response.on('end', () => finish(response.statusCode ?? 0));
        response.resume();
      },
    );
    outgoing.setTimeout(REQUEST_TIMEOUT_MS, () => outgoing.destroy(new Error('timed out')));
    outgoing.on('error', () => finish(0));
    outgoing.end(body);
  }

  try {
    let next = 0;
    while (next < total) {
      options.signal.throwIfAborted();
      const due = Math.min(total, Math.floor(((performance.now() - started) * options.rate) / 1000) + 1);
      while (next < due) send(next++);
      options.onTick?.(next, created);
      if (next < total) await pause(Math.max(0, started + (next * 1000) / options.rate - performance.now()), options.signal);
    }
    await eventually(
      async () => inFlight,
      (waiting) => waiting === 0,
      { timeoutMs: REQUEST_TIMEOUT_MS + 5_000, intervalMs: 10, what: 'the last answers', signal: options.signal },
    );
  } finally {
    agent.destroy();
  }
  const windowSeconds = Math.max(options.seconds, (lastAnswerAt - started) / 1000);
  return {
    offeredRate: options.rate,
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
