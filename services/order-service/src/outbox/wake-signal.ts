// Moved to wakeup/wake-signal.ts; kept until every importer uses the new path.
export * from './wakeup/wake-signal.js';
