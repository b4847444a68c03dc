import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The one token vault: which key wraps its data keys.
  await db.schema
    .createTable('token_vault')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key_type', 'text', (c) => c.notNull())
    .addColumn('kms_key_arn', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Secret values never live here: only where they are (Secrets Manager) and whose they are.
  await db.schema
    .createTable('api_key_providers')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('secret_arn', 'text', (c) => c.notNull())
    .addColumn('secret_json_key', 'text', (c) => c.notNull())
    .addColumn('secret_source', 'text', (c) => c.notNull())
    .addColumn('tags', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('oauth2_providers')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('vendor', 'text', (c) => c.notNull())
    // The provider configuration without its client secret (client id, discovery, endpoints, tenant).
    .addColumn('config', 'jsonb', (c) => c.notNull())
    .addColumn('secret_arn', 'text', (c) => c.notNull())
    .addColumn('secret_json_key', 'text', (c) => c.notNull())
    .addColumn('secret_source', 'text', (c) => c.notNull())
    // The opaque id in the provider's callback URL.
    .addColumn('callback_id', 'text', (c) => c.notNull().unique())
    .addColumn('tags', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('oauth2_providers').execute();
  await db.schema.dropTable('api_key_providers').execute();
  await db.schema.dropTable('token_vault').execute();
}
