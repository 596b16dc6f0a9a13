import { Migrator, type Kysely, type Migration } from 'kysely';

export class MigrationFailedError extends Error {
  override name = 'MigrationFailedError';
}

/**
 * Applies every pending migration in order, forward only. Kysely's migrator
 * takes a lock, so two processes starting together do not race. Throws when a
 * migration fails, so the caller exits non-zero.
 */
export async function migrateToLatest(db: Kysely<unknown>, migrations: Record<string, Migration>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error !== undefined) {
    const cause = error instanceof Error ? error.message : JSON.stringify(error);
    throw new MigrationFailedError(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${cause}`, { cause: error });
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
