import type { Migration } from 'kysely';
import * as createCustomersAndInbox from './2026-11-25-0900-create-customers-and-inbox.js';

/** Every migration, in order. Listed by hand so the compiled build needs no directory scan. */
export const migrations: Record<string, Migration> = {
  '2026-11-25-0900-create-customers-and-inbox': createCustomersAndInbox,
};
