import { Ajv } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import { isDecimalMultipleOf } from './decimal-multiple-of.js';

function createAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({
    // Report every broken rule at once, not only the first.
    allErrors: true,
    coerceTypes,
    useDefaults: true,
    strict: false,
    allowUnionTypes: true,
  });
  ajv.removeKeyword('multipleOf');
  ajv.addKeyword({
    keyword: 'multipleOf',
    type: 'number',
    schemaType: 'number',
    validate: (step: number, data: number) => isDecimalMultipleOf(data, step),
  });
  return ajv;
}

/**
 * JSON bodies are validated as sent: `"quantity": "2"` is a type error, not a 2.
 * Query strings, path parameters and headers are text on the wire, so there
 * the validator converts "50" to 50 before checking the rules.
 */
export function requestValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = createAjv(false);
  const coercing = createAjv(true);
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object);
}
