import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { ConnectionRecordsRepository } from '../../vault/connection-records.repository';
import { migrateToLatest, openDatabase } from '../database';

describe('migration 0012: every stored connection gets an operator record', () => {
  it('lists existing connections as active under their flow, and leaves unkeyed legacy ones to their move', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mandate-migration-'));
    const db = openDatabase({ kind: 'pglite', dir });
    try {
      await migrateToLatest(db, '0011-resource-policies-and-trusts');
      const stored = new Date('2026-11-30T08:00:00Z');
      const expires = new Date('2026-11-30T09:00:00Z');
      for (const [id, user] of [
        ['c-user', 'u2.alice'],
        ['c-m2m', 'm2m'],
        ['c-obo', 'u2.bob'],
        ['c-legacy', 'u1.carol'],
      ] as const)
        await sql`INSERT INTO connections (id, workload_name, provider_name, user_hash, scopes, tokens_sealed, kek_id, expires_at, updated_at)
          VALUES (${id}, 'crm', 'idp', ${user}, '["read"]'::jsonb, 'sealed', 'local:1', ${expires}, ${stored})`.execute(
          db,
        );
      await sql`INSERT INTO exchange_subjects (connection_id, subject_sealed, kek_id, expires_at, updated_at)
        VALUES ('c-obo', 'sealed', 'local:1', ${expires}, ${stored})`.execute(db);

      await migrateToLatest(db);

      const records = await new ConnectionRecordsRepository(db).page({}, 10, undefined);
      assert.deepEqual(
        records.map((r) => [r.id, r.flow, r.userHash, r.state, r.scopes, r.expiresAt?.toISOString()]),
        [
          ['c-m2m', 'M2M', 'm2m', 'ACTIVE', ['read'], expires.toISOString()],
          ['c-obo', 'ON_BEHALF_OF_TOKEN_EXCHANGE', 'u2.bob', 'ACTIVE', ['read'], expires.toISOString()],
          ['c-user', 'USER_FEDERATION', 'u2.alice', 'ACTIVE', ['read'], expires.toISOString()],
        ],
      );
      assert.equal(records[0]!.createdAt.toISOString(), stored.toISOString());
    } finally {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
