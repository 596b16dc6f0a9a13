import type { FastifySchemaValidationError } from 'fastify';
import type { FieldError } from './error-body.js';

interface PropertySchemas {
  properties?: Record<string, { description?: string }>;
}

/**
 * Turns validator errors into one detail per broken field. The message is the
 * field's rule as documented in its schema `description` (the same text the
 * OpenAPI page shows), so a client reads the rule it broke, not validator jargon.
 */
export function validationDetails(
  errors: FastifySchemaValidationError[],
  context: string,
  schema: PropertySchemas | undefined,
): FieldError[] {
  const byField = new Map<string, string>();
  for (const error of errors) {
    const missing = error.keyword === 'required' ? (error.params as { missingProperty?: string }).missingProperty : undefined;
    const field = missing ?? fieldOf(error.instancePath, context);
    if (byField.has(field)) continue;
    if (missing !== undefined) {
      byField.set(field, 'is required');
      continue;
    }
    const rule = schema?.properties?.[field]?.description;
    byField.set(field, rule ?? error.message ?? 'is invalid');
  }
  return [...byField].map(([field, message]) => ({ field, message }));
}

function fieldOf(instancePath: string, context: string): string {
  const first = instancePath.split('/')[1];
  if (first === undefined || first === '') return context;
  return first.replace(/~1/g, '/').replace(/~0/g, '~');
}
