import { type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The user token an on-behalf-of connection is exchanged from (RFC 8693 subject token), sealed,
  // one per connection, so its lifecycle can exchange again without the token ever entering Temporal.
  await db.schema
    .createTable('exchange_subjects')
    .addColumn('connection_id', 'text', (c) => c.primaryKey())
    .addColumn('subject_sealed', 'text', (c) => c.notNull())
    .addColumn('kek_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('exchange_subjects').execute();
}
