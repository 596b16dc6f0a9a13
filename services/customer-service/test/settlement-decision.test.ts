import { describe, expect, it } from 'vitest';
import { decideBatchStep, decideSettlement, decideUnparseable } from '../src/inbox/settlement-decision.js';

const policy = { maxAttempts: 3, retryBaseMs: 100, retryMaxMs: 1_000 };
const transient = { ok: false, transient: true, message: 'connection refused' } as const;
const permanent = { ok: false, transient: false, message: 'value out of range' } as const;

describe('what to do with a batch after one try', () => {
  it('settles a batch that applied', () => {
    expect(decideBatchStep({ ok: true }, 1, 10, policy)).toEqual({ kind: 'settle' });
  });

  it('retries a transient failure with a jittered, growing, capped backoff', () => {
    expect(decideBatchStep(transient, 1, 10, policy, () => 0)).toEqual({ kind: 'retry', delayMs: 50 });
    expect(decideBatchStep(transient, 2, 10, policy, () => 1)).toEqual({ kind: 'retry', delayMs: 200 });
  });

  it('gives up after the last attempt, saying how many and why', () => {
    expect(decideBatchStep(transient, 3, 10, policy)).toEqual({
      kind: 'give-up',
      reason: 'retries_exhausted',
      detail: 'retries_exhausted: 3 attempts, last error: connection refused',
    });
  });

  it('applies a batch one by one when something in it can never apply, and gives that one up', () => {
    expect(decideBatchStep(permanent, 1, 10, policy)).toEqual({ kind: 'apply-alone' });
    expect(decideBatchStep(permanent, 1, 1, policy)).toEqual({ kind: 'give-up', reason: 'apply_failed', detail: 'apply_failed: value out of range' });
  });
});

describe('the settlement of one delivery', () => {
  it('acks an applied event, and a second copy in the same batch as a duplicate', () => {
    expect(decideSettlement('applied', 3, true)).toEqual({ kind: 'ack', counted: 'applied' });
    expect(decideSettlement('applied', 3, false)).toEqual({ kind: 'ack', counted: 'duplicate' });
    expect(decideSettlement('duplicate', 3, true)).toEqual({ kind: 'ack', counted: 'duplicate' });
  });

  it('dead-letters an event for a customer that does not exist, naming the customer', () => {
    expect(decideSettlement('unknown_customer', 42, true)).toEqual({
      kind: 'dead-letter',
      reason: 'unknown_customer',
      detail: 'unknown_customer: customer 42 does not exist',
    });
  });

  it('dead-letters a body that is not JSON, or not an order.created event, with the parser’s reason', () => {
    expect(decideUnparseable('invalid_json: Unexpected token')).toMatchObject({ kind: 'dead-letter', reason: 'invalid_json' });
    expect(decideUnparseable('invalid_event: /price must be number')).toEqual({
      kind: 'dead-letter',
      reason: 'invalid_event',
      detail: 'invalid_event: /price must be number',
    });
  });
});
