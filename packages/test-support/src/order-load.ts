import { Agent, request } from 'node:http';
import { pause } from './eventually.js';

/**
 * What became of one POST /api/v1/orders:
 * - response: the server answered (201 carries the order id);
 * - refused: no connection could be made, so the server never saw it;
 * - reset: the connection broke before an answer (the server may or may not have read it);
 * - timeout: no answer in time;
 * - skipped: not sent, because too many requests were already waiting.
 */
export type OrderOutcome =
  | { kind: 'response'; status: number; error: string | undefined; orderId: number | undefined }
  | { kind: 'refused' | 'reset' | 'timeout' | 'failed'; detail: string }
  | { kind: 'skipped' };

export interface OrderAttempt {
  /** Unique per request, so the stored row of any request can be found. */
  productName: string;
  customerId: number;
  /** Date.now() when it went out, for timelines. */
  sentAt: number;
  /** performance.now() when it was due and when its outcome came: a latency from the due time includes waiting for a connection. */
  dueAt: number;
  settledAt: number | undefined;
  outcome: OrderOutcome | undefined;
}

export interface LoadSummary {
  attempts: readonly OrderAttempt[];
  /** Orders answered 201. */
  accepted: number;
  acceptedOrderIds: number[];
  /** Every other outcome, e.g. "503 customer_service_unavailable" or "refused", with its count. */
  otherOutcomes: Record<string, number>;
  /** From the first request due to the last one sent. */
  durationMs: number;
}

export interface OrderLoad {
  /** Stops sending; the summary resolves once the requests in flight are answered. */
  stop(): void;
  finished: Promise<LoadSummary>;
}

export interface OrderLoadOptions {
  orderServiceUrl: string;
  customerIds: readonly number[];
  ratePerSecond: number;
  /** Sends at most this long; stop() ends it earlier. */
  durationMs: number;
  /** A prefix for the product names: finds this load's orders among others. */
  label: string;
  maxInFlight?: number;
  timeoutMs?: number;
  /** Connections at most (unlimited by default); requests beyond wait for a free one. */
  maxSockets?: number;
}

const describe = (outcome: OrderOutcome) =>
  outcome.kind !== 'response' ? outcome.kind : outcome.error === undefined ? String(outcome.status) : `${outcome.status} ${outcome.error}`;

function failureOf(error: NodeJS.ErrnoException): OrderOutcome {
  const detail = `${error.code ?? ''} ${error.message}`.trim();
  if (error.code === 'ECONNREFUSED') return { kind: 'refused', detail };
  if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return { kind: 'reset', detail };
  return { kind: error.code === 'ETIMEDOUT' ? 'timeout' : 'failed', detail };
}

function responseOf(status: number, text: string): OrderOutcome {
  let body: { id?: unknown; error?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not JSON: the status alone says what happened (and the contract check will flag it).
  }
  const error = typeof body.error === 'string' ? body.error : status >= 400 ? 'not_a_contract_error_body' : undefined;
  return { kind: 'response', status, error, orderId: status === 201 && typeof body.id === 'number' ? body.id : undefined };
}

/**
 * A steady, open-loop stream of orders: request i is due at start + i / rate
 * whatever happened to the ones before, so a slow or absent server does not
 * slow the offered load down (it shows up as timeouts, refusals or skips,
 * and as latency counted from the due time). Customers are used in turn.
 * node:http rather than fetch: it costs a third of the CPU per request, which
 * the load would otherwise take from the services it measures.
 */
export function startOrderLoad(options: OrderLoadOptions): OrderLoad {
  const { ratePerSecond: rate, timeoutMs = 15_000, maxInFlight = 400 } = options;
  const url = new URL('/api/v1/orders', options.orderServiceUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? Infinity });
  const attempts: OrderAttempt[] = [];
  const answers = new Set<Promise<void>>();
  const stopping = new AbortController();
  const started = performance.now();

  const place = (attempt: OrderAttempt) =>
    new Promise<void>((resolve) => {
      const settle = (outcome: OrderOutcome) => {
        if (attempt.outcome !== undefined) return;
        attempt.outcome = outcome;
        attempt.settledAt = performance.now();
        clearTimeout(timer);
        resolve();
      };
      const body = JSON.stringify({ customer_id: attempt.customerId, product_name: attempt.productName, quantity: 1, price: '1.00' });
      const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
      const outgoing = request(url, { method: 'POST', agent, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => settle(responseOf(response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
        // Cut before its end: the connection broke mid-answer.
        response.on('close', () => settle({ kind: 'reset', detail: 'answer cut short' }));
      });
      const timer = setTimeout(() => outgoing.destroy(Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' })), timeoutMs);
      outgoing.on('error', (error) => settle(failureOf(error)));
      outgoing.end(body);
    });

  const send = (index: number) => {
    const customerId = options.customerIds[index % options.customerIds.length] ?? 1;
    const dueAt = started + (index * 1000) / rate;
    const attempt: OrderAttempt = {
      productName: `${options.label}-${index}`,
      customerId,
      sentAt: Date.now(),
      dueAt,
      settledAt: undefined,
      outcome: undefined,
    };
    attempts.push(attempt);
    if (answers.size >= maxInFlight) {
      attempt.outcome = { kind: 'skipped' };
      return;
    }
    const answered: Promise<void> = place(attempt).finally(() => answers.delete(answered));
    answers.add(answered);
  };

  const finished = (async (): Promise<LoadSummary> => {
    const total = Math.floor((options.durationMs * rate) / 1000);
    // Everything due by now goes out, then a pause until the next is due: pacing is the point here, not a wait for a condition.
    while (attempts.length < total && !stopping.signal.aborted) {
      const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
      while (attempts.length < due) send(attempts.length);
      const next = started + (attempts.length * 1000) / rate - performance.now();
      if (attempts.length < total) await pause(Math.max(0, next), stopping.signal).catch(() => undefined);
    }
    const durationMs = performance.now() - started;
    await Promise.all(answers);
    agent.destroy();
    const acceptedOrderIds: number[] = [];
    const otherOutcomes: Record<string, number> = {};
    for (const { outcome } of attempts) {
      if (outcome?.kind === 'response' && outcome.status === 201 && outcome.orderId !== undefined) acceptedOrderIds.push(outcome.orderId);
      else if (outcome !== undefined) {
        const key = describe(outcome);
        otherOutcomes[key] = (otherOutcomes[key] ?? 0) + 1;
      }
    }
    return { attempts, accepted: acceptedOrderIds.length, acceptedOrderIds, otherOutcomes, durationMs };
  })();

  return { stop: () => stopping.abort(), finished };
}
