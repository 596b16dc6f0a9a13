/**
 * The PostgreSQL channel order_service notifies after committing outbox rows
 * and the outbox worker listens on. Operator tools notify it too after they
 * make dead rows due again, so the worker publishes them at once.
 */
// Named as a channel, not after the table: it carries hints, never rows.
export const OUTBOX_WAKEUP_CHANNEL = 'outbox_wakeup';
