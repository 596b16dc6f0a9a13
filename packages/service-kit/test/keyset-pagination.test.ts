import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, parseIdParam } from '../src/http/keyset-pagination.js';

describe('keyset cursors', () => {
  it('round-trips every safe id', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (id) => decodeCursor(encodeCursor(id)) === id));
  });

  it('refuses text that is not a cursor it issued', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const decoded = decodeCursor(text);
        return decoded === undefined || (Number.isSafeInteger(decoded) && decoded >= 1);
      }),
    );
    expect(decodeCursor('djE6MA')).toBeUndefined(); // v1:0
    expect(decodeCursor('hello')).toBeUndefined();
  });
});

describe('parseIdParam', () => {
  it.each([['1', 1], ['42', 42], ['9007199254740991', 9007199254740991]])('reads %s', (text, id) => {
    expect(parseIdParam(text)).toBe(id);
  });
  it.each(['0', '-1', '1.0', '01', 'abc', '', '9007199254740993', '1e3'])('refuses %s', (text) => {
    expect(parseIdParam(text)).toBeUndefined();
  });
});
