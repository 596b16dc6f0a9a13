import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isTransientDatabaseError } from '../postgres/transient-errors.js';
import { errorBody } from './error-body.js';
import { validationDetails } from './validation-details.js';

export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * The one error handler of both APIs: every error a route throws or Fastify
 * raises becomes the contract's error body, and only the unexpected is a 500
 * (logged with its cause, never returned).
 */
export async function answerError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  if (error.validation) {
    const context = error.validationContext ?? 'body';
    const schema = request.routeOptions.schema?.[context as 'body'] as Parameters<typeof validationDetails>[2];
    return reply
      .code(422)
      .send(errorBody('validation_failed', 'the request is not valid', validationDetails(error.validation, context, schema)));
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return reply.code(400).send(errorBody('invalid_json', 'the request body is not valid JSON'));
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return reply.code(413).send(errorBody('payload_too_large', `the request body is larger than ${BODY_LIMIT_BYTES} bytes`));
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return reply.code(415).send(errorBody('unsupported_media_type', 'send the body as application/json'));
  }
  if (isTransientDatabaseError(error)) {
    // The database is away for a moment (restart, failover, dropped
    // connection): say so and when to retry, rather than a bare 500. The
    // order may or may not have been stored, so retry with the same
    // Idempotency-Key.
    request.log.warn({ err: error }, 'database unavailable while handling request');
    return reply
      .code(503)
      .header('retry-after', '1')
      .send(errorBody('database_unavailable', 'the database is unavailable for a moment; retry shortly (with the same Idempotency-Key)'));
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return reply.code(status).send(errorBody('bad_request', error.message));
  }
  request.log.error({ err: error }, 'unexpected error while handling request');
  return reply.code(500).send(errorBody('internal_error', 'something went wrong on our side; it has been logged'));
}
