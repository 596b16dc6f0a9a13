import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './error-body.js';
import type { HttpApp } from './http-app.js';

interface KnownPath {
  pattern: RegExp;
  methods: Set<string>;
}

/** `/api/v1/orders/:id` → a regular expression matching `/api/v1/orders/42` (one segment per parameter). */
function patternOf(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) return '[^/]+';
      if (segment === '*') return '.*';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}$`);
}

/**
 * Remembers which methods each registered path serves, so the not-found
 * handler can tell "no such path" (404) from "this path, another method"
 * (405 with Allow, as HTTP and the contract say). Fastify's router answers
 * both with not-found, so the distinction is made here, once, for every route.
 */
export function trackAllowedMethods(app: HttpApp): (request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined {
  const known = new Map<string, KnownPath>();
  app.addHook('onRoute', (route) => {
    const entry = known.get(route.url) ?? { pattern: patternOf(route.url), methods: new Set<string>() };
    for (const method of [route.method].flat()) entry.methods.add(method);
    known.set(route.url, entry);
  });

  return (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = new Set<string>();
    for (const entry of known.values()) {
      if (entry.pattern.test(path)) for (const method of entry.methods) allowed.add(method);
    }
    if (allowed.size === 0 || allowed.has(request.method)) return undefined;
    const allow = [...allowed].sort().join(', ');
    return reply
      .code(405)
      .header('allow', allow)
      .send(errorBody('method_not_allowed', `${request.method} is not served on ${path}; use ${allow}`));
  };
}
