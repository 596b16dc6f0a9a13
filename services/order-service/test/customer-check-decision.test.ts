import { describe, expect, it } from 'vitest';
import { readAnswer, unavailableOutcome } from '../src/customers/customer-check-outcome.js';

describe('reading Customer Service’s answer', () => {
  it('reads 200 as found and 404 as not found', () => {
    expect(readAnswer(200)).toBe('found');
    expect(readAnswer(404)).toBe('not_found');
  });

  it('retries a 5xx or a 429, and treats any other answer as unusable', () => {
    expect(readAnswer(503)).toBe('transient');
    expect(readAnswer(500)).toBe('transient');
    expect(readAnswer(429)).toBe('transient');
    expect(readAnswer(401)).toBe('unusable');
    expect(readAnswer(400)).toBe('unusable');
  });
});

describe('the outcome when Customer Service cannot answer', () => {
  it('asks the client to come back when the open circuit may close, and never in under a second', () => {
    expect(unavailableOutcome({ kind: 'circuit-open', openedAt: 10_000, cooldownMs: 5_000 }, 11_200)).toEqual({
      status: 'unavailable',
      retryAfterSeconds: 4,
      reason: 'circuit open',
    });
    expect(unavailableOutcome({ kind: 'circuit-open', openedAt: 10_000, cooldownMs: 5_000 }, 16_000)).toMatchObject({ retryAfterSeconds: 1 });
  });

  it('says timeout or the failure’s message, with a one-second Retry-After', () => {
    expect(unavailableOutcome({ kind: 'timeout' }, 0)).toEqual({ status: 'unavailable', retryAfterSeconds: 1, reason: 'timeout' });
    expect(unavailableOutcome({ kind: 'failed', message: 'connect ECONNREFUSED' }, 0)).toEqual({
      status: 'unavailable',
      retryAfterSeconds: 1,
      reason: 'connect ECONNREFUSED',
    });
  });
});
