/** The channel order_service notifies and the outbox worker listens on. */
export const OUTBOX_WAKEUP_CHANNEL = 'outbox_events';
