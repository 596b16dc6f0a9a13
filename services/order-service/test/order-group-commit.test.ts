import { describe, expect, it } from 'vitest';
import { createOrderGroupCommit } from '../src/orders/order-group-commit.js';
import type { OrderToWrite, WriteOutcome } from '../src/orders/orders.repository.js';

const write = (productName: string): OrderToWrite => ({
  order: { customerId: 1, productName, quantity: 1, price: '1.00', status: 'pending' },
  eventId: '00000000-0000-4000-8000-000000000000',
  traceparent: undefined,
  idempotency: undefined,
});

const written = (writes: readonly OrderToWrite[]): WriteOutcome[] =>
  writes.map((each, index) => ({
    status: 'written',
    row: { id: index + 1, customer_id: 1, product_name: each.order.productName, quantity: 1, price: '1.00', status: 'pending', created_at: new Date(), updated_at: new Date() },
  }));

/** Lets the writer's loop, resumed by a finished batch, take its next step. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** An insert the test completes by hand, recording each batch it was given. */
function controlledInsert() {
  const batches: string[][] = [];
  const pending: Array<() => void> = [];
  return {
    batches,
    finishNext: () => pending.shift()?.(),
    insertBatch: (writes: readonly OrderToWrite[]) =>
      new Promise<WriteOutcome[]>((resolve) => {
        batches.push(writes.map((each) => each.order.productName));
        pending.push(() => {
          resolve(written(writes));
        });
      }),
  };
}

describe('group commit', () => {
  it('sends a lone write at once, and batches what queued while it was in flight, bounded in size', async () => {
    const insert = controlledInsert();
    let hints = 0;
    const commit = createOrderGroupCommit({ insertBatch: insert.insertBatch, maxBatchSize: 3, maxStatementsInFlight: 1, onCommitted: () => (hints += 1) });

    const answers = ['a', 'b', 'c', 'd', 'e'].map((name) => commit.write(write(name)));
    expect(insert.batches).toEqual([['a']]);
    expect(commit.queued()).toBe(4);
    insert.finishNext();
    await answers[0];
    await nextTurn();
    expect(insert.batches).toEqual([['a'], ['b', 'c', 'd']]);
    insert.finishNext();
    await answers[3];
    await nextTurn();
    expect(insert.batches).toEqual([['a'], ['b', 'c', 'd'], ['e']]);
    insert.finishNext();
    const outcomes = await Promise.all(answers);

    expect(outcomes.map((outcome) => (outcome.status === 'written' ? outcome.row.product_name : outcome.status))).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(hints).toBe(3);
  });

  it('keeps at most maxStatementsInFlight statements running, and batches behind them', async () => {
    const insert = controlledInsert();
    const commit = createOrderGroupCommit({ insertBatch: insert.insertBatch, maxBatchSize: 10, maxStatementsInFlight: 2, onCommitted: () => undefined });

    const answers = ['a', 'b', 'c', 'd'].map((name) => commit.write(write(name)));
    expect(insert.batches).toEqual([['a'], ['b']]);
    insert.finishNext();
    await answers[0];
    await nextTurn();
    expect(insert.batches).toEqual([['a'], ['b'], ['c', 'd']]);
    insert.finishNext();
    insert.finishNext();
    expect((await Promise.all(answers)).map((outcome) => outcome.status)).toEqual(['written', 'written', 'written', 'written']);
  });

  /** A first write held open until `open()`, then batches of the rest through `failing`. */
  function behindAHeldWrite(failing: (writes: readonly OrderToWrite[]) => Promise<WriteOutcome[]>) {
    const batches: string[][] = [];
    let open: () => void = () => undefined;
    const commit = createOrderGroupCommit({
      insertBatch: (writes) => {
        batches.push(writes.map((each) => each.order.productName));
        if (batches.length === 1) {
          return new Promise<WriteOutcome[]>((resolve) => {
            open = () => {
              resolve(written(writes));
            };
          });
        }
        return failing(writes);
      },
      maxBatchSize: 10,
      maxStatementsInFlight: 1,
      onCommitted: () => undefined,
    });
    return { commit, batches, open: () => open() };
  }

  it('gives every member the error when the connection is lost, and writes none of them again', async () => {
    const lost = new Error('Connection terminated unexpectedly');
    const held = behindAHeldWrite(() => Promise.reject(lost));
    const first = held.commit.write(write('first'));
    const answers = Promise.allSettled([held.commit.write(write('x')), held.commit.write(write('y'))]);
    held.open();
    await first;

    expect((await answers).map((answer) => (answer.status === 'rejected' ? (answer.reason as Error) : answer.value))).toEqual([lost, lost]);
    expect(held.batches).toEqual([['first'], ['x', 'y']]);
  });

  it('writes the members one by one when the database refused the batch, so only the culprit fails', async () => {
    const refused = Object.assign(new Error('new row violates check constraint'), { code: '23514' });
    const held = behindAHeldWrite(async (writes) => {
      if (writes.some((each) => each.order.productName === 'bad')) throw refused;
      return written(writes);
    });
    const first = held.commit.write(write('first'));
    const answers = Promise.allSettled(['x', 'bad', 'y'].map((name) => held.commit.write(write(name))));
    held.open();
    await first;

    expect((await answers).map((answer) => answer.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(held.batches).toEqual([['first'], ['x', 'bad', 'y'], ['x'], ['bad'], ['y']]);
  });
});
