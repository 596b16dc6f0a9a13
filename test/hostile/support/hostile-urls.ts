import fc from 'fast-check';
import { hostileNumberText, hostileText } from './hostile-values.js';

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * Percent-encodes every byte of the UTF-8 text but the unreserved ones. Unlike
 * encodeURIComponent it never throws: a lone surrogate goes out as U+FFFD.
 */
export function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const character = String.fromCharCode(byte);
    out += UNRESERVED.test(character) ? character : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Raw URL text, sent verbatim: visible ASCII the HTTP parser accepts, but `#`,
 * `?`, `/`, `&` and `=`, which would change the URL's structure. (Bytes above
 * 0x7F are refused by Node's HTTP parser itself; see nonAsciiUrlText.)
 */
const RAW_JUNK = ['%', '%%', '%zz', '%E0%A4%A', '%C0%80', '%ED%A0%80', '%FF', '%00', '%0A', '+', '[]', '[0]', '..', '.', '~', ';', ',', '*', "'", '"', '<', '>', '\\', '`', '|', '^', '{', '}', '$', '!', '(', ')', '@', ':'];

/** Raw text that is always well-formed percent-encoding. */
export const wellFormedRawText: fc.Arbitrary<string> = fc
  .array(
    fc.constantFrom(...RAW_JUNK.filter((junk) => !junk.includes('%')), '%25', '%2F', '%3F', '%23', '%26', '%3D', '%20', '%00', '%C3%A9', '%F0%9F%98%80'),
    { minLength: 1, maxLength: 6 },
  )
  .map((parts) => parts.join(''));

/** Raw text that may hold broken percent-encoding. */
export const rawJunkText: fc.Arbitrary<string> = fc.array(fc.constantFrom(...RAW_JUNK), { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));

/** Raw text holding at least one percent sign that does not start a valid UTF-8 escape. */
export const brokenPercentEncoding: fc.Arbitrary<string> = fc
  .tuple(
    fc.string({ unit: fc.constantFrom('1', 'a', 'Z', '-'), maxLength: 5 }),
    fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%80', '%ED%A0%80', '%FF', '%C3', '%g0', '%%'),
    fc.string({ unit: fc.constantFrom('1', 'a', 'Z', '-'), maxLength: 5 }),
  )
  .map(([before, broken, after]) => `${before}${broken}${after}`);

/** Query values: numbers of every kind, hostile text (encoded), and raw junk. */
export const queryValue: fc.Arbitrary<string> = fc.oneof(
  hostileNumberText.map(percentEncode),
  hostileText.filter((text) => text.length <= 300).map(percentEncode),
  wellFormedRawText,
  fc.constantFrom('', 'true', 'null', '%20%31', '1%00', '0x10', '1e2', '+1', ' 1'.replace(' ', '%20')),
);

/** A query string of repeated and unknown keys, e.g. `?limit=1&limit=2&__proto__=x&cursor=%zz`. */
export function hostileQuery(routeKeys: readonly string[], cursorValues: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const key = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...routeKeys) },
    { weight: 1, arbitrary: fc.constantFrom(...routeKeys).map((k) => `${k}[]`) },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', '', 'LIMIT', 'limit%20', 'limit%00', 'a[b]') },
  );
  const pair = fc.oneof(
    fc.tuple(key, fc.oneof(queryValue, cursorValues)).map(([k, v]) => `${k}=${v}`),
    key,
    fc.constantFrom('&', '=', '==', '&&', '=&='),
  );
  return fc.array(pair, { maxLength: 6 }).map((pairs) => (pairs.length === 0 ? '' : `?${pairs.join('&')}`));
}

/** Path segments that are well-formed and within the router's 200-character parameter limit. */
export const pathSegment: fc.Arbitrary<string> = fc
  .oneof(
    hostileNumberText.map(percentEncode),
    hostileText.map(percentEncode),
    wellFormedRawText,
    fc.constantFrom('0', '-1', '1.0', '01', '1e3', '0x1', '9007199254740993', '99999999999999999999', '%31', '1%00', ' 1'.replace(' ', '%20')),
  )
  .filter((segment) => segment.length > 0 && segment.length <= 200);

/** URL text holding raw bytes above 0x7F (sent as latin-1), which HTTP/1.1 does not allow unencoded. */
export const nonAsciiUrlText: fc.Arbitrary<string> = fc
  .tuple(
    fc.string({ unit: fc.constantFrom('1', 'a'), maxLength: 4 }),
    fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code)),
    fc.string({ unit: fc.constantFrom('1', 'a'), maxLength: 4 }),
  )
  .map(([before, byte, after]) => `${before}${byte}${after}`);
