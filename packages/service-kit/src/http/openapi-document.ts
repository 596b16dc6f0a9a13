import type { SwaggerOptions } from '@fastify/swagger';

export interface OpenApiOptions {
  title: string;
  version: string;
  description: string;
}

export type SecuritySchemes = Record<
  string,
  { type: 'apiKey'; in: 'header'; name: string; description?: string } | { type: 'http'; scheme: 'basic'; description?: string }
>;

/**
 * The OpenAPI 3.1 document's frame, shaped to pass Redocly's recommended
 * rules (test/contract-documents/openapi-lint.test.ts). The server is the
 * origin the document is fetched from, so /docs tries requests against the
 * same process whatever host port compose publishes it on. Security is stated
 * on every operation: a route that declares none is public (`security: []`),
 * and a service without schemes gets no "Authorize" button at all.
 */
export function describeOpenApi(options: OpenApiOptions, securitySchemes: SecuritySchemes | undefined): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: { ...options, license: { name: 'MIT', identifier: 'MIT' } },
      servers: [{ url: '/', description: 'The process serving this document' }],
      ...(securitySchemes === undefined ? {} : { components: { securitySchemes } }),
    },
    transform: ({ schema, url }) => ({
      url,
      schema: 'security' in schema ? schema : { ...schema, security: [] },
    }),
  };
}
