import { describe, expect, it } from 'vitest';
import { decideRelayVerdict } from '../src/outbox/relay-verdict.js';

const policy = { maxAttempts: 3, backoffBaseMs: 1_000, backoffMaxMs: 60_000 };
const half = () => 0.5;

describe('the relay verdict for one outbox row', () => {
  it('marks a confirmed publish published', () => {
    expect(decideRelayVerdict(0, { status: 'confirmed' }, policy, half)).toEqual({ kind: 'published' });
  });

  it('retries a rejected publish after a jittered backoff that grows with the attempts spent', () => {
    expect(decideRelayVerdict(0, { status: 'rejected', error: 'nacked' }, policy, half)).toEqual({ kind: 'retry', retryInMs: 750, error: 'nacked' });
    expect(decideRelayVerdict(1, { status: 'rejected', error: 'nacked' }, policy, () => 0)).toEqual({ kind: 'retry', retryInMs: 1_000, error: 'nacked' });
  });

  it('declares a row dead when a rejection spends its last attempt', () => {
    expect(decideRelayVerdict(2, { status: 'rejected', error: 'unroutable' }, policy, half)).toMatchObject({ kind: 'dead', error: 'unroutable' });
  });

  it('leaves an unconfirmed publish due without spending an attempt, however many were spent', () => {
    expect(decideRelayVerdict(0, { status: 'unconfirmed', error: 'channel closed' }, policy)).toEqual({ kind: 'unconfirmed', error: 'channel closed' });
    expect(decideRelayVerdict(2, { status: 'unconfirmed', error: 'no confirm' }, policy)).toEqual({ kind: 'unconfirmed', error: 'no confirm' });
  });
});
