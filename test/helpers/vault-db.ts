import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase, type VaultDb } from '../../libs/db/database';
import { Envelope, fixedKeys } from '../../libs/vault/envelope';
import { LocalKeyEncryptionKey } from '../../libs/vault/key-encryption-key';

/** A migrated embedded PGlite vault with its envelope, in a temp folder; for tests of database code. */
export async function openTestVault(): Promise<{
  db: VaultDb;
  envelope: Envelope;
  keyFile: string;
  close(): Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-vault-'));
  const db = openDatabase({ kind: 'pglite', dir: join(dir, 'db') });
  await migrateToLatest(db);
  const keyFile = join(dir, 'vault.key');
  const envelope = new Envelope(fixedKeys(LocalKeyEncryptionKey.fromFile(keyFile)));
  return {
    db,
    envelope,
    keyFile,
    async close() {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
