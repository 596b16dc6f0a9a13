import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Logger } from '../observability/logger.js';
import { observeHttpRequests, type Registry } from '../observability/metrics.js';
import type { Tracing } from '../observability/tracing.js';
import { answerError, BODY_LIMIT_BYTES } from './answer-error.js';
import { answerClientError, answerFrameworkError } from './client-errors.js';
import { logEveryRequest } from './access-log.js';
import { errorBody, errorResponses } from './error-body.js';
import type { HttpApp } from './http-app.js';
import { trackAllowedMethods } from './method-not-allowed.js';
import { describeOpenApi, type OpenApiOptions, type SecuritySchemes } from './openapi-document.js';
import { traceRequests } from './request-tracing.js';
import { requestValidatorCompiler } from './request-validators.js';
import { addSecurityHeaders } from './security-headers.js';

const DOCS_PREFIX = '/docs';
const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;

export interface HttpAppOptions {
  logger: Logger;
  metrics: Registry;
  tracing: Tracing;
  /** True when the service's own database answers. */
  isReady: () => Promise<boolean>;
  openapi: OpenApiOptions;
  /** Security schemes the routes' `security` entries refer to; a route without `security` is public. */
  securitySchemes?: SecuritySchemes;
  /** One info line per request (on unless switched off, see README). */
  accessLog?: boolean;
}

export type { HttpApp } from './http-app.js';

/**
 * The parts both APIs share: JSON-only bodies with a size limit, validation
 * that reports every broken field, one error handler, request ids, health,
 * metrics and OpenAPI docs. A service adds its routes to what this returns.
 */
export async function createHttpApp(options: HttpAppOptions): Promise<HttpApp> {
  const logger: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance: logger,
    // Fastify's own request logging writes two large lines per request; our
    // access log (logEveryRequest) writes one small one instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    // A "__proto__" (or "constructor.prototype") key is valid JSON and, like any
    // unknown field, ignored: the parser drops it (no prototype is touched)
    // instead of refusing the whole body as invalid JSON.
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
    routerOptions: { maxParamLength: 200 },
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    // While closing, requests already on open connections are still served
    // (the pool closes only after them); new connections are refused.
    return503OnClosing: false,
    genReqId: (request: IncomingMessage) => {
      const offered = request.headers['x-request-id'];
      return typeof offered === 'string' && REQUEST_ID_PATTERN.test(offered) ? offered : randomUUID();
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Only JSON bodies are accepted; anything else is a 415, not a string body.
  app.removeContentTypeParser(['text/plain']);
  app.setValidatorCompiler(requestValidatorCompiler());
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  addSecurityHeaders(app, DOCS_PREFIX);
  observeHttpRequests(app, options.metrics);
  traceRequests(app, options.tracing);
  if (options.accessLog ?? true) logEveryRequest(app);

  const answerWrongMethod = trackAllowedMethods(app);
  app.setNotFoundHandler(async (request, reply) =>
    answerWrongMethod(request, reply) ??
    reply.code(404).send(errorBody('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`)),
  );
  app.setErrorHandler(answerError);

  await app.register(swagger, describeOpenApi(options.openapi, options.securitySchemes));
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });

  const Ok = Type.Object({ status: Type.String() });
  // Any route can get a 400 for a request the HTTP layer cannot read (see client-errors.ts).
  const health = (operationId: string, summary: string) => ({ tags: ['health'], operationId, summary, response: { 200: Ok, ...errorResponses(400) } });
  const hidden = { hide: true };
  app.get('/up', { schema: health('getUp', 'Liveness, as in the seed system') }, async () => ({ status: 'ok' }));
  app.get('/health/live', { schema: health('getLiveness', 'The process runs') }, async () => ({ status: 'ok' }));
  const readiness = health('getReadiness', 'The service database answers');
  app.get(
    '/health/ready',
    { schema: { ...readiness, response: { ...readiness.response, 503: Ok } } },
    async (_request, reply) => ((await options.isReady()) ? { status: 'ready' } : reply.code(503).send({ status: 'not_ready' })),
  );
  app.get('/openapi.json', { schema: hidden }, async () => app.swagger());
  app.get('/metrics', { schema: hidden }, async (_request, reply) =>
    reply.type(options.metrics.contentType).send(await options.metrics.metrics()),
  );
  return app;
}
