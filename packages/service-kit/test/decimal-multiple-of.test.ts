import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDecimalMultipleOf } from '../src/http/decimal-multiple-of.js';

describe('isDecimalMultipleOf', () => {
  it('accepts every price with at most two decimals up to 100 million, where float division fails', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9_999_999_999 }), (cents) => {
        const price = Number((cents / 100).toFixed(2));
        expect(isDecimalMultipleOf(price, 0.01)).toBe(true);
      }),
    );
    expect(999900000.56 / 0.01 % 1).not.toBe(0);
    expect(isDecimalMultipleOf(999900000.56, 0.01)).toBe(true);
  });

  it('refuses three decimals and tiny fractions written in exponent form', () => {
    expect(isDecimalMultipleOf(1.005, 0.01)).toBe(false);
    expect(isDecimalMultipleOf(9.999, 0.01)).toBe(false);
    expect(isDecimalMultipleOf(1e-7, 0.01)).toBe(false);
    expect(isDecimalMultipleOf(Number.NaN, 0.01)).toBe(false);
  });

  it('handles whole steps and large exponents', () => {
    expect(isDecimalMultipleOf(1e21, 5)).toBe(true);
    expect(isDecimalMultipleOf(12, 5)).toBe(false);
    expect(isDecimalMultipleOf(15, 5)).toBe(true);
  });
});
