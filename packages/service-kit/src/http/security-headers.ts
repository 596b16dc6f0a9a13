import type { FastifyInstance } from 'fastify';

/**
 * Headers every JSON API answer should carry. The interactive docs page needs
 * its scripts, so the strict content policy applies to everything else.
 */
export function addSecurityHeaders(app: FastifyInstance, docsPrefix: string): void {
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    if (!request.url.startsWith(docsPrefix)) {
      reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
      reply.header('cache-control', 'no-store');
    }
  });
}
