import { type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Revocation finds every connection of a user to a provider (user federation and on-behalf-of ones).
  await db.schema
    .createIndex('connections_by_owner')
    .on('connections')
    .columns(['user_hash', 'workload_name', 'provider_name'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('connections_by_owner').execute();
}
