import type pg from 'pg';

export type RowCounts = Record<string, number>;

/** Row counts of the given tables, read in one query so they are one consistent snapshot. */
export async function countRows(pool: pg.Pool, tables: readonly string[]): Promise<RowCounts> {
  for (const table of tables) if (!/^[a-z_]+$/.test(table)) throw new Error(`not a table name: ${table}`);
  const columns = tables.map((table) => `(select count(*)::int from ${table}) as ${table}`);
  const { rows } = await pool.query<RowCounts>(`select ${columns.join(', ')}`);
  const [counts] = rows;
  if (counts === undefined) throw new Error('count query returned no row');
  return counts;
}
