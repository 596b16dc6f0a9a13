import { OrderCreatedV1Schema, type OrderCreatedV1 } from './order-created-event.js';

/**
 * For a writer that builds order.created inside the order's own SQL statement
 * (so the event is stored by the same statement as the order): one SQL
 * expression per field of the contract. The type is the contract's, so a
 * field added to or removed from OrderCreatedV1 stops the writer compiling
 * until it says where the field comes from.
 */
export type OrderCreatedSqlSources = { readonly [Field in keyof OrderCreatedV1]-?: string };

/** The contract's fields in its own order, read from the schema rather than written out again. */
export const ORDER_CREATED_V1_FIELDS = Object.keys(OrderCreatedV1Schema.properties) as ReadonlyArray<keyof OrderCreatedV1>;

/** `jsonb_build_object('event_id', <its source>, …)` over every contract field. */
export function orderCreatedJsonbSql(sources: OrderCreatedSqlSources): string {
  const pairs = ORDER_CREATED_V1_FIELDS.map((field) => `'${field}', ${sources[field]}`);
  return `jsonb_build_object(${pairs.join(', ')})`;
}
