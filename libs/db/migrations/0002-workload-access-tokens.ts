import { type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The JWT authorizer a workload trusts for GetWorkloadAccessTokenForJWT (AgentCore's customJWTAuthorizer shape).
  await db.schema.alterTable('workload_identities').addColumn('jwt_authorizer', 'jsonb').execute();

  // Keys that encrypt workload access tokens. Each is published before it signs, so every replica
  // holds it by the time a token made with it arrives.
  await db.schema
    .createTable('wat_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('kek_id', 'text', (c) => c.notNull())
    .addColumn('signs_from', 'timestamptz', (c) => c.notNull())
    .addColumn('signs_until', 'timestamptz', (c) => c.notNull())
    .addColumn('verifies_until', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('wat_keys').execute();
  await db.schema.alterTable('workload_identities').dropColumn('jwt_authorizer').execute();
}
