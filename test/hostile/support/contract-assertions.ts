import { expect } from 'vitest';
import type { RawResponse } from './raw-http.js';

const SNAKE_CASE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

export interface ErrorBody {
  error: string;
  message: string;
  details?: Array<{ field: string; message: string }>;
}

/**
 * The contract's error answer: a 4xx (never a 5xx), JSON by content type, and
 * exactly `{error: snake_case, message: text}` plus `details` as a list of
 * `{field, message}` when present. Returns the parsed body for finer checks.
 */
export function expectContractError(response: RawResponse, allowedStatuses?: readonly number[]): ErrorBody {
  const seen = `${response.status} ${response.contentType ?? '(no content-type)'} ${response.text.slice(0, 300)}`;
  expect(response.status, `never a 5xx: ${seen}`).toBeLessThan(500);
  expect(response.status, `an error status: ${seen}`).toBeGreaterThanOrEqual(400);
  if (allowedStatuses !== undefined) expect(allowedStatuses, `status: ${seen}`).toContain(response.status);
  expect(response.contentType ?? '', `JSON content type: ${seen}`).toMatch(/^application\/json(?:;|$)/);

  let parsed: unknown;
  expect(() => (parsed = JSON.parse(response.text) as unknown), `a JSON body: ${seen}`).not.toThrow();
  expect(isPlainObject(parsed), `an object body: ${seen}`).toBe(true);
  const body = parsed as Record<string, unknown>;

  expect(Object.keys(body).every((key) => ['error', 'message', 'details'].includes(key)), `only error, message, details: ${seen}`).toBe(true);
  expect(typeof body.error === 'string' && SNAKE_CASE.test(body.error), `error is snake_case: ${seen}`).toBe(true);
  expect(typeof body.message === 'string' && body.message.trim().length > 0, `message is non-empty text: ${seen}`).toBe(true);
  if ('details' in body) {
    expect(Array.isArray(body.details), `details is a list: ${seen}`).toBe(true);
    for (const detail of body.details as unknown[]) {
      const ok =
        isPlainObject(detail) &&
        Object.keys(detail).length === 2 &&
        typeof detail.field === 'string' &&
        typeof detail.message === 'string' &&
        detail.message.length > 0;
      expect(ok, `details are {field, message}: ${seen}`).toBe(true);
    }
  }
  return body as unknown as ErrorBody;
}

/** A 200 whose body is a JSON array (a list route's success). */
export function expectJsonArray(response: RawResponse): unknown[] {
  const seen = `${response.status} ${response.contentType ?? '(no content-type)'} ${response.text.slice(0, 300)}`;
  expect(response.status, seen).toBe(200);
  expect(response.contentType ?? '', seen).toMatch(/^application\/json(?:;|$)/);
  const parsed: unknown = JSON.parse(response.text);
  expect(Array.isArray(parsed), seen).toBe(true);
  return parsed as unknown[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
