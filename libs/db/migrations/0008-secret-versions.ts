import { type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The AWSCURRENT version each watched external secret was last seen at; every process compares its
  // cache against it, so a rotation noticed by one watch reaches all API replicas and workers.
  await db.schema
    .createTable('secret_versions')
    .addColumn('arn', 'text', (c) => c.primaryKey())
    .addColumn('version_id', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('secret_versions').execute();
}
