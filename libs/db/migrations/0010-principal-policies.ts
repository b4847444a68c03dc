import { sql, type Kysely } from 'kysely';

/** The policy shape before IAM policy documents: operation names and workload names, `*` for all. */
interface LegacyPolicy {
  operations: string[];
  workloads: string[];
}

/** The same permissions as an IAM policy document (workload ARNs in any partition, region and account). */
export function legacyToPolicyDocument(policy: LegacyPolicy) {
  const everything = policy.operations.includes('*') && policy.workloads.includes('*');
  if (everything)
    return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: policy.operations.map((op) => (op === '*' ? '*' : `bedrock-agentcore:${op}`)),
        Resource: policy.workloads.includes('*')
          ? '*'
          : policy.workloads.map(
              (name) =>
                `arn:*:bedrock-agentcore:*:*:workload-identity-directory/default/workload-identity/${name}`,
            ),
      },
    ],
  };
}

/**
 * Principals become records of their own, with an IAM policy document, description and tags; what
 * was the principals table keeps their access keys (at most two each, so keys rotate without downtime).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE principals RENAME TO access_keys`.execute(db);
  await sql`ALTER TABLE access_keys RENAME COLUMN name TO principal_name`.execute(db);
  await db.schema.alterTable('access_keys').addColumn('last_used_at', 'timestamptz').execute();
  await db.schema
    .createTable('principals')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('policy_document', 'jsonb', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('tags', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  const rows = await sql<{ principal_name: string; policy: LegacyPolicy; created_at: Date }>`
    SELECT principal_name, policy, created_at FROM access_keys ORDER BY created_at`.execute(db);
  const seen = new Set<string>();
  for (const row of rows.rows) {
    if (seen.has(row.principal_name)) continue;
    seen.add(row.principal_name);
    const document = JSON.stringify(legacyToPolicyDocument(row.policy));
    await sql`INSERT INTO principals (name, policy_document, created_at, updated_at)
      VALUES (${row.principal_name}, ${document}::jsonb, ${row.created_at}, ${row.created_at})`.execute(db);
  }
  await db.schema.alterTable('access_keys').dropColumn('policy').execute();
  await db.schema
    .createIndex('access_keys_by_principal')
    .on('access_keys')
    .column('principal_name')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('access_keys_by_principal').execute();
  await db.schema
    .alterTable('access_keys')
    .addColumn('policy', 'jsonb', (c) =>
      c.notNull().defaultTo(sql`'{"operations":[],"workloads":[]}'::jsonb`),
    )
    .execute();
  await db.schema.dropTable('principals').execute();
  await db.schema.alterTable('access_keys').dropColumn('last_used_at').execute();
  await sql`ALTER TABLE access_keys RENAME COLUMN principal_name TO name`.execute(db);
  await sql`ALTER TABLE access_keys RENAME TO principals`.execute(db);
}
