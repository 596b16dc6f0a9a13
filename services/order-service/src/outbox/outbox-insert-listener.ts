// Moved to wakeup/wakeup-listener.ts; kept until every importer uses the new path.
export { listenForOutboxWakeups as listenForOutboxInserts } from './wakeup/wakeup-listener.js';
