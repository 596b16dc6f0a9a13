import { Type } from 'typebox';

const All = Type.Object({ all: Type.Literal(true) }, { additionalProperties: false });

/** `{"event_ids": [...]}`, `{"reason": "..."}` or `{"all": true}`: exactly one of them. */
export const DeadLetterSelectorSchema = Type.Union(
  [
    Type.Object(
      { event_ids: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 10_000, uniqueItems: true }) },
      { additionalProperties: false },
    ),
    Type.Object({ reason: Type.String({ minLength: 1, maxLength: 1_000 }) }, { additionalProperties: false }),
    All,
  ],
  { title: 'DeadLetterSelector' },
);

/** `{"ids": [...]}` or `{"all": true}`. */
export const DeadRowSelectorSchema = Type.Union(
  [
    Type.Object(
      { ids: Type.Array(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), { minItems: 1, maxItems: 10_000, uniqueItems: true }) },
      { additionalProperties: false },
    ),
    All,
  ],
  { title: 'DeadRowSelector' },
);

/** `{"customer_ids": [...]}` or `{"all": true}`: which mismatched customers to repair. */
export const RepairSelectorSchema = Type.Union(
  [
    Type.Object(
      { customer_ids: Type.Array(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), { minItems: 1, maxItems: 10_000, uniqueItems: true }) },
      { additionalProperties: false },
    ),
    All,
  ],
  { title: 'RepairSelector' },
);

export const ListQuerySchema = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1_000, default: 200 }),
});

export const DeadLetterSchema = Type.Object(
  {
    event_id: Type.Union([Type.String(), Type.Null()]),
    reason: Type.String(),
    dead_lettered_at: Type.Union([Type.String(), Type.Null()]),
    payload: Type.Unknown({ description: 'The body as JSON, or its text when it is not JSON' }),
    headers: Type.Record(Type.String(), Type.Unknown()),
  },
  { title: 'DeadLetter' },
);

export const DeadOutboxRowSchema = Type.Object(
  {
    id: Type.Integer(),
    event_id: Type.String(),
    order_id: Type.Integer(),
    attempts: Type.Integer(),
    last_error: Type.Union([Type.String(), Type.Null()]),
    dead_at: Type.String(),
  },
  { title: 'DeadOutboxRow' },
);

export const MismatchSchema = Type.Object(
  {
    customer_id: Type.Integer(),
    orders_stored: Type.Integer(),
    orders_count: Type.Union([Type.Integer(), Type.Null()]),
    applied_events: Type.Integer(),
  },
  { title: 'Mismatch' },
);

const Count = (name: string) => Type.Object({ [name]: Type.Integer() });
export const ReplayedSchema = Count('replayed');
export const PurgedSchema = Count('purged');
export const RetriedSchema = Count('retried');
