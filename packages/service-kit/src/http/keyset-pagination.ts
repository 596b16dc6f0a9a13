import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, type ErrorBody } from './error-body.js';

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

/**
 * One page of a keyset-paginated list: `limit` rows from the cursor's id on.
 * The fetch is asked for one row more, to learn whether a next page exists,
 * and the Link header is set when it does. Undefined when the cursor is not
 * one we issued: the route answers that with invalidCursor().
 */
export async function readPage<Row extends { id: number }>(
  request: FastifyRequest,
  reply: FastifyReply,
  query: { limit: number; cursor?: string | undefined },
  fetch: (from: number | undefined, limit: number) => Promise<Row[]>,
): Promise<Row[] | undefined> {
  const from = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  if (query.cursor !== undefined && from === undefined) return undefined;
  const rows = await fetch(from, query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  if (rows.length > query.limit && last !== undefined) reply.header('link', nextPageLink(request, encodeCursor(last.id)));
  return page;
}

export const invalidCursor = (): ErrorBody =>
  errorBody('validation_failed', 'the request is not valid', [{ field: 'cursor', message: 'must be the cursor from a Link header' }]);

/** Path ids: a positive integer in range, anything else is simply not found. */
export function parseIdParam(text: string): number | undefined {
  if (!/^[1-9]\d{0,15}$/.test(text)) return undefined;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : undefined;
}
