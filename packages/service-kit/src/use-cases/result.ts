/**
 * The one shape a use case answers with: success carries its fields next to
 * `ok: true`; a failure names its error code (the snake_case code of the
 * contract's error body) next to `ok: false`, with whatever the caller needs
 * to answer it. Exceptions stay for the unexpected.
 *
 *   type CreateCustomerResult = Result<{ customer: Customer }, { error: 'customer_name_taken' }>;
 */
export type Result<Success extends object, Failure extends { error: string }> = ({ ok: true } & Success) | ({ ok: false } & Failure);

/** The failures of a Result, for the code that maps each error code to an answer. */
export type FailureOf<R extends { ok: boolean }> = Extract<R, { ok: false }>;

/**
 * The default of a switch over every error code: it only compiles while every
 * code has its own case, so a new failure cannot fall into another's answer.
 */
export function unreachable(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
