import type { Kysely } from 'kysely';
import type { CustomerDatabase } from '../db/schema.js';
import type { CustomerRow } from './customer.js';

const UNIQUE_VIOLATION = '23505';

export function createCustomersRepository(db: Kysely<CustomerDatabase>) {
  return {
    async findById(id: number): Promise<CustomerRow | undefined> {
      return db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** By id ascending, by keyset: `after` is the id of the last customer of the previous page. */
    async list(page: { after: number | undefined; limit: number }): Promise<CustomerRow[]> {
      let query = db.selectFrom('customers').selectAll();
      if (page.after !== undefined) query = query.where('id', '>', page.after);
      return query.orderBy('id', 'asc').limit(page.limit).execute();
    },

    /** Inserts, or reports that the name (ignoring case) is taken; the unique index decides, so two racing requests cannot both win. */
    async insert(customer: { name: string; address: string }): Promise<CustomerRow | 'name_taken'> {
      try {
        return await db.insertInto('customers').values(customer).returningAll().executeTakeFirstOrThrow();
      } catch (error) {
        const pgError = error as { code?: string; constraint?: string };
        if (pgError.code === UNIQUE_VIOLATION && pgError.constraint === 'customers_name_lower_key') return 'name_taken';
        throw error;
      }
    },
  };
}

export type CustomersRepository = ReturnType<typeof createCustomersRepository>;
