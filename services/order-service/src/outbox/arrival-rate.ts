// Moved to wakeup/claim-coalescing.ts; kept until every importer uses the new path.
export * from './wakeup/claim-coalescing.js';
