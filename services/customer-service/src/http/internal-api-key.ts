import { createHash, timingSafeEqual } from 'node:crypto';
import { errorBody, type HttpApp } from '@orders/service-kit/http';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Every route registered on `scope` requires X-Internal-Api-Key. Both sides are
 * hashed first so the comparison is constant-time and does not leak the key's
 * length; the key itself is never logged (the logger redacts the header).
 */
export function requireInternalApiKey(scope: HttpApp, expectedKey: string): void {
  const expected = digest(expectedKey);
  scope.addHook('onRequest', async (request, reply) => {
    const offered = request.headers['x-internal-api-key'];
    if (typeof offered === 'string' && timingSafeEqual(digest(offered), expected)) return;
    return reply.code(401).send(errorBody('unauthorized', 'a valid X-Internal-Api-Key header is required'));
  });
}
