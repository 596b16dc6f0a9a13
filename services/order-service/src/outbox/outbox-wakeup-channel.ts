// Moved to @orders/contracts; kept until every importer uses the new path.
export { OUTBOX_WAKEUP_CHANNEL } from '@orders/contracts';
