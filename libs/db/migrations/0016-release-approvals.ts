import type { Kysely } from 'kysely';

/**
 * Approvals of token releases that a Cedar policy asks a person for: what is asked (references
 * and scopes, never a token), who may approve, and what was decided. `request_key` is the hash of
 * what is released, so a waiting request is found again and a window of approved releases applies.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('release_approvals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request_key', 'text', (c) => c.notNull())
    .addColumn('workload_name', 'text', (c) => c.notNull())
    .addColumn('provider_name', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('flow', 'text', (c) => c.notNull())
    .addColumn('user_hash', 'text')
    .addColumn('scopes', 'jsonb', (c) => c.notNull())
    .addColumn('resources', 'jsonb', (c) => c.notNull())
    .addColumn('audiences', 'jsonb', (c) => c.notNull())
    .addColumn('caller', 'text', (c) => c.notNull())
    .addColumn('policies', 'jsonb', (c) => c.notNull())
    .addColumn('approvers', 'jsonb', (c) => c.notNull())
    .addColumn('window_seconds', 'integer', (c) => c.notNull())
    .addColumn('portal_id', 'text')
    .addColumn('return_url', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('granted_until', 'timestamptz')
    .addColumn('consumed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('decided_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('release_approvals_request')
    .on('release_approvals')
    .columns(['request_key', 'status'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('release_approvals').execute();
}
