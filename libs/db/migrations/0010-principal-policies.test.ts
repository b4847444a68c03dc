import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { compilePolicy, evaluate } from '../../auth/iam-policy';
import { KNOWN_OPERATIONS } from '../../auth/operations';
import { migrateToLatest, openDatabase } from '../database';

describe('migration 0010: principals get IAM policy documents, their keys move to access_keys', () => {
  it('keeps every principal and key, with the same permissions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mandate-migration-'));
    const db = openDatabase({ kind: 'pglite', dir });
    try {
      await migrateToLatest(db, '0009-connection-owners');
      for (const [id, name, policy] of [
        ['MDAKADMIN00000000001', 'admin', { operations: ['*'], workloads: ['*'] }],
        ['MDAKREADER0000000001', 'reader', { operations: ['GetWorkloadIdentity'], workloads: ['crm'] }],
        ['MDAKREADER0000000002', 'reader', { operations: ['GetWorkloadIdentity'], workloads: ['crm'] }],
      ] as const)
        await sql`INSERT INTO principals (access_key_id, name, secret_sealed, kek_id, policy)
          VALUES (${id}, ${name}, 'sealed', 'local:1', ${JSON.stringify(policy)}::jsonb)`.execute(db);

      await migrateToLatest(db);

      const keys = await db.selectFrom('access_keys').select(['access_key_id', 'principal_name']).execute();
      assert.deepEqual(keys.map((k) => `${k.principal_name}:${k.access_key_id}`).sort(), [
        'admin:MDAKADMIN00000000001',
        'reader:MDAKREADER0000000001',
        'reader:MDAKREADER0000000002',
      ]);
      const principals = await db.selectFrom('principals').selectAll().orderBy('name').execute();
      assert.deepEqual(
        principals.map((p) => p.name),
        ['admin', 'reader'],
      );
      const policy = (name: string) =>
        compilePolicy(principals.find((p) => p.name === name)!.policy_document, KNOWN_OPERATIONS);
      const crm =
        'arn:aws:bedrock-agentcore:us-east-1:000000000000:workload-identity-directory/default/workload-identity/crm';
      const ask = (name: string, action: string, resource: string) =>
        evaluate([policy(name)], {
          action: `bedrock-agentcore:${action}`,
          resources: [resource],
          context: {},
        }).decision;
      assert.equal(ask('admin', 'DeletePrincipal', '*'), 'Allow');
      assert.equal(ask('reader', 'GetWorkloadIdentity', crm), 'Allow');
      assert.equal(ask('reader', 'GetWorkloadIdentity', crm.replace(/crm$/, 'other')), 'ImplicitDeny');
      assert.equal(ask('reader', 'DeleteWorkloadIdentity', crm), 'ImplicitDeny');
    } finally {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
