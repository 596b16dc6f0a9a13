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
  sentAt: number;
  outcome: OrderOutcome | undefined;
}

export interface LoadSummary {
  attempts: readonly OrderAttempt[];
  /** Orders answered 201. */
  accepted: number;
  acceptedOrderIds: number[];
  /** Every other outcome, e.g. "503 customer_service_unavailable" or "refused", with its count. */
  otherOutcomes: Record<string, number>;
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
}

function describe(outcome: OrderOutcome): string {
  if (outcome.kind !== 'response') return outcome.kind;
  return outcome.error === undefined ? String(outcome.status) : `${outcome.status} ${outcome.error}`;
}

function classifyFailure(error: unknown): OrderOutcome {
  const failure = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (failure.name === 'TimeoutError' || failure.name === 'AbortError') return { kind: 'timeout', detail: failure.message ?? '' };
  const code = failure.cause?.code ?? '';
  const detail = `${code} ${failure.cause?.message ?? failure.message ?? ''}`.trim();
  if (code === 'ECONNREFUSED') return { kind: 'refused', detail };
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') return { kind: 'reset', detail };
  return { kind: 'failed', detail };
}

/**
 * A steady, open-loop stream of orders: request i is due at start + i / rate
 * whatever happened to the ones before, so a slow or absent server does not
 * slow the offered load down (it shows up as timeouts, refusals or skips).
 * Customers are used in turn.
 */
export function startOrderLoad(options: OrderLoadOptions): OrderLoad {
  const maxInFlight = options.maxInFlight ?? 400;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const attempts: OrderAttempt[] = [];
  const answers = new Set<Promise<void>>();
  const started = Date.now();
  const stopping = new AbortController();
  const stopped = () => stopping.signal.aborted;
  let wake: (() => void) | undefined;

  async function place(attempt: OrderAttempt): Promise<void> {
    try {
      const response = await fetch(`${options.orderServiceUrl}/api/v1/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ customer_id: attempt.customerId, product_name: attempt.productName, quantity: 1, price: '1.00' }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      let body: { id?: unknown; error?: unknown } = {};
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        // Not JSON: the status alone says what happened (and the contract check will flag it).
      }
      attempt.outcome = {
        kind: 'response',
        status: response.status,
        error: typeof body.error === 'string' ? body.error : response.status >= 400 ? 'not_a_contract_error_body' : undefined,
        orderId: response.status === 201 && typeof body.id === 'number' ? body.id : undefined,
      };
    } catch (error) {
      attempt.outcome = classifyFailure(error);
    }
  }

  const sending = (async () => {
    const total = Math.floor((options.durationMs * options.ratePerSecond) / 1000);
    for (let index = 0; index < total && !stopped(); index += 1) {
      const dueAt = started + (index * 1000) / options.ratePerSecond;
      const wait = dueAt - Date.now();
      if (wait > 0) {
        // Spacing requests in time is the point of a paced load, not a wait for a condition.
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, wait);
        });
        if (stopped()) break;
      }
      const customerId = options.customerIds[index % options.customerIds.length] ?? 1;
      const attempt: OrderAttempt = { productName: `${options.label}-${index}`, customerId, sentAt: Date.now(), outcome: undefined };
      attempts.push(attempt);
      if (answers.size >= maxInFlight) {
        attempt.outcome = { kind: 'skipped' };
        continue;
      }
      const answered: Promise<void> = place(attempt).finally(() => answers.delete(answered));
      answers.add(answered);
    }
  })();

  const finished = (async (): Promise<LoadSummary> => {
    await sending;
    const sentUntil = Date.now();
    await Promise.all(answers);
    const acceptedOrderIds: number[] = [];
    const otherOutcomes: Record<string, number> = {};
    for (const { outcome } of attempts) {
      if (outcome === undefined) continue;
      if (outcome.kind === 'response' && outcome.status === 201 && outcome.orderId !== undefined) {
        acceptedOrderIds.push(outcome.orderId);
        continue;
      }
      const key = describe(outcome);
      otherOutcomes[key] = (otherOutcomes[key] ?? 0) + 1;
    }
    return { attempts, accepted: acceptedOrderIds.length, acceptedOrderIds, otherOutcomes, durationMs: sentUntil - started };
  })();

  return {
    stop() {
      stopping.abort();
      wake?.();
    },
    finished,
  };
}
