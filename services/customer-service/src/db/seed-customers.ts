import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { CustomerDatabase } from './schema.js';

/** The ten customers of the seed system, in id order on a fresh database. */
export const SEED_CUSTOMERS: ReadonlyArray<{ name: string; address: string }> = [
  { name: 'Alice Johnson', address: '100 Oak Avenue, Springfield' },
  { name: 'Bob Smith', address: '200 Pine Road, Riverside' },
  { name: 'Carol Williams', address: '300 Elm Street, Fairview' },
  { name: 'David Brown', address: '400 Maple Drive, Lakeside' },
  { name: 'Eve Davis', address: '500 Cedar Lane, Hillcrest' },
  { name: 'Frank Miller', address: '600 Birch Blvd, Brookside' },
  { name: 'Grace Wilson', address: '700 Walnut Way, Greenwood' },
  { name: 'Henry Moore', address: '800 Chestnut Circle, Milltown' },
  { name: 'Ivy Taylor', address: '900 Ash Avenue, Northfield' },
  { name: 'Jack Anderson', address: '1000 Willow Way, Southport' },
];

/** Inserts the seed customers that are missing (by name, ignoring case); returns how many it added. */
export async function seedCustomers(db: Kysely<CustomerDatabase>): Promise<number> {
  let inserted = 0;
  for (const customer of SEED_CUSTOMERS) {
    const result = await sql`
      insert into customers (name, address) values (${customer.name}, ${customer.address})
      on conflict ((lower(name))) do nothing
    `.execute(db);
    inserted += Number(result.numAffectedRows ?? 0n);
  }
  return inserted;
}
