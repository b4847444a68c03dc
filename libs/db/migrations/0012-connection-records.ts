import { sql, type Kysely } from 'kysely';

/**
 * What operators see of each connection: its owner, flow and state, kept past the tokens (which go
 * when a connection needs consent again or is revoked), and never a token. Connections stored before
 * this migration are listed as active, with their flow told by their owner (`m2m`) or a stored subject;
 * those under an earlier version's unkeyed user hash (`u1.`) are moved to new ids at start, and get their
 * record when they are next stored.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('connection_records')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workload_name', 'text', (c) => c.notNull())
    .addColumn('provider_name', 'text', (c) => c.notNull())
    .addColumn('user_hash', 'text', (c) => c.notNull())
    .addColumn('flow', 'text', (c) => c.notNull())
    .addColumn('scopes', 'jsonb', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz')
    .addColumn('last_refresh_at', 'timestamptz')
    .addColumn('last_refresh_outcome', 'text')
    .addColumn('last_failure', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('connection_records_by_workload')
    .on('connection_records')
    .columns(['workload_name', 'provider_name', 'id'])
    .execute();
  await sql`
    INSERT INTO connection_records (id, workload_name, provider_name, user_hash, flow, scopes, state, expires_at, created_at, updated_at)
    SELECT c.id, c.workload_name, c.provider_name, c.user_hash,
      CASE WHEN c.user_hash = 'm2m' THEN 'M2M'
           WHEN EXISTS (SELECT 1 FROM exchange_subjects s WHERE s.connection_id = c.id) THEN 'ON_BEHALF_OF_TOKEN_EXCHANGE'
           ELSE 'USER_FEDERATION' END,
      c.scopes, 'ACTIVE', c.expires_at, c.updated_at, c.updated_at
    FROM connections c
    WHERE c.user_hash NOT LIKE 'u1.%'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('connection_records').execute();
}
