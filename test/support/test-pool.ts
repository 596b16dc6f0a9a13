import { openPool } from '@orders/test-support';
import type pg from 'pg';

/** A small pool for a test to read and plant rows directly (test support's, with its error listener). */
export function openTestPool(connectionString: string): pg.Pool {
  return openPool(connectionString, 3, 'orders-test');
}
