import type { OrderToWrite, WriteOutcome } from './orders.repository.js';

export interface OrderGroupCommitOptions {
  /** Stores a batch in one statement and transaction; one outcome per write, in order. */
  insertBatch(writes: readonly OrderToWrite[]): Promise<WriteOutcome[]>;
  maxBatchSize: number;
  /** Batch statements in flight at once (each on its own pooled connection). */
  maxStatementsInFlight: number;
  /** After each committed batch that stored an order: the one wake-up hint for the whole batch. */
  onCommitted(): void;
  /** Batch sizes and retries, for the metrics. */
  observe?: { batch(size: number): void; retriedOneByOne(size: number): void };
}

interface Waiting {
  write: OrderToWrite;
  resolve(outcome: WriteOutcome): void;
  reject(error: unknown): void;
}

/**
 * Group commit for order writes: while the batch statements in flight
 * (maxStatementsInFlight) run, the writes that arrive queue up, and the next
 * statement takes all of them (up to maxBatchSize). Nothing ever waits for
 * company: a write that finds a statement slot free goes at once, alone, so
 * at low load latency is one statement; under load many orders share a round
 * trip, a transaction and a WAL flush, which is what a commit costs. More
 * than one statement in flight lets the database flush one batch while it
 * executes the next.
 *
 * The queue needs no bound of its own: every queued write is a request the
 * admission control let in, and it admits a bounded number at a time.
 *
 * When a batch fails, nobody gets a wrong answer:
 * - The server refused the statement (a constraint, a trigger, bad data):
 *   nothing of it committed, so each member is written again on its own and
 *   gets its own answer; one bad order never fails the others.
 * - The connection was lost (or the server is going away): whether the commit
 *   happened is unknown, and writing again could store an order twice, so
 *   every member gets the error, answered as 503 database_unavailable with
 *   "retry with the same Idempotency-Key", as a lone order always was.
 */
export function createOrderGroupCommit(options: OrderGroupCommitOptions) {
  const queue: Waiting[] = [];

  async function writeBatch(batch: Waiting[]): Promise<void> {
    let outcomes: WriteOutcome[];
    try {
      outcomes = await options.insertBatch(batch.map((waiting) => waiting.write));
    } catch (error) {
      if (batch.length > 1 && refusedWithoutCommitting(error)) {
        options.observe?.retriedOneByOne(batch.length);
        for (const member of batch) await writeBatch([member]);
        return;
      }
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    if (outcomes.some((outcome) => outcome.status === 'written')) options.onCommitted();
    batch.forEach((waiting, index) => {
      const outcome = outcomes[index];
      if (outcome === undefined) waiting.reject(new Error('order batch returned fewer outcomes than writes'));
      else waiting.resolve(outcome);
    });
  }

  let inFlight = 0;

  function startBatches(): void {
    while (inFlight < options.maxStatementsInFlight && queue.length > 0) {
      const batch = queue.splice(0, options.maxBatchSize);
      options.observe?.batch(batch.length);
      inFlight += 1;
      void writeBatch(batch).finally(() => {
        inFlight -= 1;
        startBatches();
      });
    }
  }

  return {
    /** Resolves once the order is committed (or its key found taken); rejects with the database's error. */
    write: (write: OrderToWrite): Promise<WriteOutcome> =>
      new Promise<WriteOutcome>((resolve, reject) => {
        queue.push({ write, resolve, reject });
        startBatches();
      }),
    /** Writes waiting for the next statement. */
    queued: () => queue.length,
  };
}

/**
 * The server answered the statement with an error (a SQLSTATE) that is about
 * the statement, so it, and its transaction, committed nothing. Not so for
 * the classes about the connection or the server itself (08 connection,
 * 53 resources, 57 operator intervention such as a terminated backend,
 * 58 system, XX internal), after which the outcome is not known.
 */
function refusedWithoutCommitting(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^(08|53|57|58|XX)/.test(code);
}
