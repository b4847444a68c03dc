import { sql, type Kysely } from 'kysely';

/**
 * Resource policies (one per workload identity or credential provider, keyed by its ARN) and the
 * web identity trust of principals that agents assume with an OIDC token instead of a key.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('resource_policies')
    .addColumn('resource_arn', 'text', (c) => c.primaryKey())
    .addColumn('policy_document', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.alterTable('principals').addColumn('web_identity_trust', 'jsonb').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('principals').dropColumn('web_identity_trust').execute();
  await db.schema.dropTable('resource_policies').execute();
}
