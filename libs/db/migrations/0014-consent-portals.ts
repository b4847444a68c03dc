import { sql, type Kysely } from 'kysely';

/**
 * Consent portals (where people sign in, consent and see their connections), the people signed in
 * to them (by a hash of the session id; the cookie itself is sealed), what a consent session needs
 * to show on the portal's consent screen, and when each connection was last used.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('consent_portals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text')
    .addColumn('idp_config', 'jsonb', (c) => c.notNull())
    .addColumn('sources', 'jsonb', (c) => c.notNull())
    .addColumn('execution_role_arn', 'text')
    .addColumn('user_id_claim', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('tags', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('portal_sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('portal_id', 'text', (c) => c.notNull())
    .addColumn('user_hashes', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .alterTable('auth_sessions')
    .addColumn('portal_id', 'text')
    .addColumn('requested_by', 'text')
    .addColumn('resources', 'jsonb')
    .addColumn('audiences', 'jsonb')
    .addColumn('portal_decision', 'text')
    .execute();
  await db.schema.alterTable('connection_records').addColumn('last_used_at', 'timestamptz').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('connection_records').dropColumn('last_used_at').execute();
  await db.schema
    .alterTable('auth_sessions')
    .dropColumn('portal_id')
    .dropColumn('requested_by')
    .dropColumn('resources')
    .dropColumn('audiences')
    .dropColumn('portal_decision')
    .execute();
  await db.schema.dropTable('portal_sessions').execute();
  await db.schema.dropTable('consent_portals').execute();
}
