import { errorBody, type HttpApp } from '@orders/service-kit/http';
import { createCredentialCheck } from './basic-auth.js';

const JSON_TYPE = /^application\/json\s*(;|$)/i;

/**
 * Two rules for every route, static files and health included. Credentials
 * first: nothing about the console is public. Then a POST must say it is
 * JSON: a cross-site HTML form can only send form or text bodies, so it
 * cannot trigger a replay even with the operator's cached credentials.
 */
export function guardConsole(app: HttpApp, password: string): void {
  const credentialsMatch = createCredentialCheck(password);
  app.addHook('onRequest', async (request, reply) => {
    if (!credentialsMatch(request.headers.authorization)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Basic realm="ops_console", charset="UTF-8"')
        .send(errorBody('unauthorized', 'sign in as admin with the console password (CONSOLE_PASSWORD)'));
    }
    if (request.method === 'POST' && !JSON_TYPE.test(request.headers['content-type'] ?? '')) {
      return reply.code(415).send(errorBody('unsupported_media_type', 'send the body as application/json'));
    }
    return undefined;
  });
}
