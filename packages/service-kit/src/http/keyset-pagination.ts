import type { FastifyRequest } from 'fastify';

/**
 * Opaque keyset cursors: the id the next page starts after, wrapped so
 * clients treat it as a token and do not build their own.
 */
export function encodeCursor(afterId: number): string {
  return Buffer.from(`v1:${afterId}`, 'utf8').toString('base64url');
}

/** The id inside a cursor, or undefined when the text is not a cursor we issued. */
export function decodeCursor(cursor: string): number | undefined {
  const match = /^v1:([1-9]\d{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (match?.[1] === undefined) return undefined;
  const id = Number(match[1]);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** `Link: <path?…&cursor=…>; rel="next"`, keeping the request's other query parameters. */
export function nextPageLink(request: FastifyRequest, cursor: string): string {
  const url = new URL(request.url, 'http://placeholder');
  url.searchParams.set('cursor', cursor);
  return `<${url.pathname}${url.search}>; rel="next"`;
}

/** Path ids: a positive integer in range, anything else is simply not found. */
export function parseIdParam(text: string): number | undefined {
  if (!/^[1-9]\d{0,15}$/.test(text)) return undefined;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : undefined;
}
