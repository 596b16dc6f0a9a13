import { describe, expect, it } from 'vitest';
import { coalescingDelayMs, createArrivalRate } from '../src/outbox/wakeup/claim-coalescing.js';

describe('the worker’s batching under load', () => {
  it('measures rows per second over the last second only', () => {
    let now = 10_000;
    const rate = createArrivalRate(() => now);
    rate.record(100);
    now += 500;
    rate.record(50);
    expect(rate.perSecond()).toBe(150);
    now += 600;
    expect(rate.perSecond()).toBe(50);
    now += 5_000;
    expect(rate.perSecond()).toBe(0);
  });

  it('never delays a claim at low rates, so a lone order is published at once', () => {
    expect(coalescingDelayMs(200, { minRate: 400, targetRows: 50, maxMs: 20 })).toBe(0);
    expect(coalescingDelayMs(5_000, { minRate: 400, targetRows: 50, maxMs: 0 })).toBe(0);
  });

  it('lets rows gather toward the target batch under load, within the cap', () => {
    expect(coalescingDelayMs(5_000, { minRate: 400, targetRows: 50, maxMs: 20 })).toBe(10);
    expect(coalescingDelayMs(1_000, { minRate: 400, targetRows: 50, maxMs: 20 })).toBe(20);
  });
});
