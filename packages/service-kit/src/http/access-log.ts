import type { HttpApp } from './http-app.js';

/**
 * One info line per answered request, what operators grep first: method,
 * route pattern, status and time, with the request id pino already binds to
 * `request.log` (reqId). Headers and bodies stay out: they may hold secrets
 * and would make every line large.
 */
export function logEveryRequest(app: HttpApp): void {
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  });
}
