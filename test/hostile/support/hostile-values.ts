import fc from 'fast-check';

// Generators of hostile input. JSON is built as TEXT, not with JSON.stringify of
// a JS value, so it can hold what JS values cannot: numbers beyond 2^53 or
// beyond double range, -0, duplicate keys, and `__proto__` as a plain key.

export const BODY_LIMIT_BYTES = 64 * 1024;

const SPECIAL_TEXTS = [
  '',
  ' ',
  '\t\n\r',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\ud83d',
  '\u202eevil',
  '\ufeff',
  '\u00a0',
  '\u2028\u2029',
  '\u200b',
  'null',
  'true',
  '1',
  '1.5',
  '-1',
  '0x10',
  'NaN',
  'Infinity',
  '__proto__',
  'constructor',
  "'; drop table orders; --",
  "1' or '1'='1",
  '1; select pg_sleep(10)',
  '$$; delete from customers; $$',
  '\\x00',
  '%00',
  '%s%s%s%n',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '${jndi:ldap://example.invalid/a}',
  '{{7*7}}',
  'pending',
  'PENDING',
  ' pending',
] as const;

/** One character that often breaks text handling: NUL, a lone surrogate, a bidi override, quotes, controls. */
const trickyCharacter: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('\u0000', '\u0001', '\u001f', '\u007f', '\u202e', '\ufeff', '\u00a0', '\u2028', '\t', '\n', '"', '\\', "'", '%', ';', '-', '/'),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);

/** Strings from harmless to nasty, up to a few thousand characters. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: trickyCharacter, maxLength: 30 }),
  fc.constantFrom(...SPECIAL_TEXTS),
  fc
    .tuple(fc.integer({ min: 254, max: 3_000 }), fc.constantFrom('x', ' ', 'é', '😀', '\u0000', '\ud800'))
    .map(([length, character]) => character.repeat(length)),
);

/** Number tokens as JSON text, including ones no JS number can hold exactly. */
export const hostileNumberText: fc.Arbitrary<string> = fc.oneof(
  fc.integer().map(String),
  fc.integer({ min: -3, max: 12 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
  fc
    .tuple(fc.integer({ min: -1_000_000, max: 1_000_000_000 }), fc.integer({ min: 0, max: 99_999 }))
    .map(([whole, fraction]) => `${whole}.${fraction}`),
  fc.constantFrom(
    '-0',
    '0.0',
    '1.0',
    '1e400',
    '-1e400',
    '1e-400',
    '1E2',
    '0.1e1',
    '9007199254740991',
    '9007199254740992',
    '9007199254740993',
    '18446744073709551616',
    '1.005',
    '0.001',
    '99999999.99',
    '99999999.995',
    '100000000',
    '1000000',
    '1000001',
    '2147483648',
    '-2147483649',
    '4.9e-324',
    '1.7976931348623157e308',
    '123456789012345678901234567890.5',
  ),
);

const scalarText: fc.Arbitrary<string> = fc.oneof(
  hostileNumberText,
  hostileText.map((text) => JSON.stringify(text)),
  fc.constantFrom('true', 'false', 'null', '[]', '{}'),
);

/** Keys that matter to the routes, keys that matter to JS, and anything. */
export function hostileKey(routeKeys: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...routeKeys) },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '') },
    { weight: 1, arbitrary: fc.constantFrom(...routeKeys).map((key) => key.toUpperCase()) },
    { weight: 1, arbitrary: hostileText.filter((text) => text.length < 40) },
  );
}

/** Any JSON text built from hostile parts: scalars, arrays and objects (keys may repeat). */
export function hostileJsonText(routeKeys: readonly string[]): fc.Arbitrary<string> {
  const key = hostileKey(routeKeys);
  const { node } = fc.letrec<{ node: string }>((tie) => ({
    node: fc.oneof(
      { maxDepth: 3, depthIdentifier: 'hostile-json' },
      scalarText,
      fc.array(tie('node'), { maxLength: 4, depthIdentifier: 'hostile-json' }).map((items) => `[${items.join(',')}]`),
      fc
        .array(fc.tuple(key, tie('node')), { maxLength: 6, depthIdentifier: 'hostile-json' })
        .map((entries) => objectText(entries)),
    ),
  }));
  return node;
}

export function objectText(entries: ReadonlyArray<readonly [string, string]>): string {
  return `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;
}

/** A value nested `depth` levels deep, as arrays or objects. */
export function deeplyNestedText(depth: number, shape: 'array' | 'object', core = '1'): string {
  return shape === 'array' ? `${'['.repeat(depth)}${core}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}${core}${'}'.repeat(depth)}`;
}

/**
 * JSON text followed by a token that can never continue a complete JSON value
 * (no digit, `.`, `e` or whitespace), or a classic not-quite-JSON: always
 * malformed, whatever the prefix.
 */
export function malformedJsonText(routeKeys: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc
      .tuple(hostileJsonText(routeKeys), fc.constantFrom(',', '}', ']', '{', '[', '"', ' x', 'NaN', "'", ':', '//', '\u0000'))
      .map(([json, junk]) => json + junk),
    fc.constantFrom(
      'NaN',
      'Infinity',
      '-Infinity',
      '+1',
      '01',
      '.5',
      '1.',
      "{'customer_id': 1}",
      '{customer_id: 1}',
      '[1,]',
      '{"a":1,}',
      '{"a" 1}',
      '/* comment */ {}',
      'undefined',
      '"unterminated',
      '{"a":"\\x41"}',
      '{"a":"\\u12"}',
      '{"a":"tab\there"}',
      '\u0000',
      '{',
      '}',
    ),
  );
}

/** Bodies bigger than the 64 KiB limit: JSON that would otherwise be fine, and junk. */
export const oversizedBody: fc.Arbitrary<Buffer> = fc
  .tuple(fc.integer({ min: BODY_LIMIT_BYTES + 1, max: 3 * BODY_LIMIT_BYTES }), fc.constantFrom('json-string', 'json-array', 'junk'))
  .map(([size, shape]) => {
    if (shape === 'junk') return Buffer.alloc(size, 0x41);
    if (shape === 'json-array') {
      const text = `[${'1,'.repeat(Math.ceil(size / 2))}1]`;
      return Buffer.from(text, 'utf8');
    }
    return Buffer.from(`{"product_name":"${'x'.repeat(size)}"}`, 'utf8');
  });

export const randomBytes: fc.Arbitrary<Buffer> = fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes));

/**
 * Header values Node's HTTP client is willing to send (tab, visible ASCII and
 * latin-1 bytes), from empty to over 255 characters.
 */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 300 }),
  fc.string({
    unit: fc.oneof(fc.constant('\t'), fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((unit) =>
      typeof unit === 'string' ? unit : String.fromCharCode(unit),
    ),
    maxLength: 40,
  }),
  fc.constantFrom('', ' ', '\t', 'null', 'undefined', '*', ',', 'a, b', '"quoted"', '%00', 'ä', 'x'.repeat(256), 'y'.repeat(1_000)),
);

/** Control characters that HTTP forbids in a header value, for raw requests. */
export const forbiddenHeaderCharacter: fc.Arbitrary<string> = fc
  .oneof(fc.integer({ min: 0x00, max: 0x08 }), fc.integer({ min: 0x0b, max: 0x0c }), fc.integer({ min: 0x0e, max: 0x1f }), fc.constant(0x7f))
  .map((code) => String.fromCharCode(code));

/** Content types that are not JSON, JSON with odd parameters, and malformed ones. */
export const oddContentType: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'text/plain',
    'text/plain; charset=utf-8',
    'application/xml',
    'text/html',
    'multipart/form-data; boundary=----x',
    'application/x-www-form-urlencoded',
    'application/octet-stream',
    'application/jsonp',
    'application/json-patch+json',
    'application/problem+json',
    'application/vnd.api+json',
    'text/json',
    'json',
    '*/*',
    'application/*',
    '',
    ' ',
    ';',
    '/',
    'application/',
    '/json',
    'application/json; charset=utf-16',
    'application/json; charset=latin1',
    'application/json; charset=ebcdic',
    'application/json; charset="utf-8"',
    'application/json;charset=UTF-8',
    'APPLICATION/JSON',
    'Application/Json; Charset=utf-8',
    'application/json; charset',
    'application/json; =utf-8',
    'application/json;;;',
    'application/json, text/plain',
    'application/json; boundary=x; charset=utf-8; q=0.1',
    'application/json\t',
  ),
  headerValue,
  fc
    .tuple(fc.constantFrom('application/json', 'text/plain', 'application/xml'), headerValue)
    .map(([type, parameter]) => `${type}; ${parameter}`),
);

/** The media type the header names, as a server should read it; undefined when it names none. */
export function mediaTypeOf(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}
