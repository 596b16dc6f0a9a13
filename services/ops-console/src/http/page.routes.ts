import { readFileSync } from 'node:fs';
import type { HttpApp } from '@orders/service-kit/http';

// The page is three small files, read once at start: no CDN, no build step, no file system walk per request.
const PUBLIC = new URL('../../public/', import.meta.url);
const FILES = [
  { path: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { path: '/console.js', file: 'console.js', type: 'text/javascript; charset=utf-8' },
  { path: '/console.css', file: 'console.css', type: 'text/css; charset=utf-8' },
] as const;

/**
 * Scripts, styles and requests only from this origin; nothing inline, no
 * frames, no forms posting anywhere: what a page that can replay messages
 * should be allowed, and no more.
 */
const PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function registerPageRoutes(app: HttpApp): void {
  for (const { path, file, type } of FILES) {
    const content = readFileSync(new URL(file, PUBLIC));
    app.get(path, { schema: { hide: true } }, async (_request, reply) => reply.type(type).send(content));
  }
  const pagePaths = new Set<string>(FILES.map(({ path }) => path));
  // Runs after the shell's own onSend, which sets the strict API policy.
  app.addHook('onSend', async (request, reply, payload) => {
    if (pagePaths.has(request.routeOptions.url ?? '')) reply.header('content-security-policy', PAGE_POLICY);
    return payload;
  });
}
