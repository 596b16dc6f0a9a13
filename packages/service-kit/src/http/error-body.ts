import { Type, type Static } from 'typebox';

export const FieldErrorSchema = Type.Object({
  field: Type.String(),
  message: Type.String(),
});

/** The one shape of every error response of both services. */
export const ErrorBodySchema = Type.Object(
  {
    error: Type.String({ description: 'Stable snake_case code to branch on' }),
    message: Type.String({ description: 'Text for a human' }),
    details: Type.Optional(Type.Array(FieldErrorSchema)),
  },
  { title: 'Error' },
);

export type FieldError = Static<typeof FieldErrorSchema>;
export type ErrorBody = Static<typeof ErrorBodySchema>;

export function errorBody(error: string, message: string, details?: FieldError[]): ErrorBody {
  return details === undefined ? { error, message } : { error, message, details };
}

/** Response schemas for the error statuses a route can answer, for the OpenAPI document. */
export function errorResponses<const S extends readonly number[]>(...statuses: S): { [K in S[number]]: typeof ErrorBodySchema } {
  return Object.fromEntries(statuses.map((status) => [status, ErrorBodySchema])) as { [K in S[number]]: typeof ErrorBodySchema };
}
