import { describe, expect, it } from 'vitest';
import { hintDelayMs } from '../src/outbox/wakeup/hint-spacing.js';

describe('spacing the worker’s wake-up hints', () => {
  it('sends a hint at once at low rates, however recent the last one', () => {
    expect(hintDelayMs(0, 0)).toBe(0);
    expect(hintDelayMs(1, 399)).toBe(0);
  });

  it('under load holds a hint until ten milliseconds after the last one', () => {
    expect(hintDelayMs(0, 400)).toBe(10);
    expect(hintDelayMs(4, 2_000)).toBe(6);
    expect(hintDelayMs(25, 2_000)).toBe(0);
  });
});
