import { randomBytes } from 'node:crypto';
import type { VaultDb } from '../db/database';
import type { Envelope } from './envelope';

/**
 * A 256-bit key all of Mandate's processes share (the Temporal payload codec key, the user hash
 * key): created once, sealed in the vault database, by whichever process needs it first.
 *
 * @example
 * const key = await loadServerSecret(db, envelope, 'temporal-payload-codec'); // 32 bytes
 */
export async function loadServerSecret(db: VaultDb, envelope: Envelope, name: string): Promise<Buffer> {
  const recordId = `server-secret:${name}`;
  const existing = await db
    .selectFrom('server_secrets')
    .select('secret_sealed')
    .where('name', '=', name)
    .executeTakeFirst();
  if (existing) return Buffer.from(await envelope.open(existing.secret_sealed, recordId), 'base64');
  const sealed = await envelope.seal(randomBytes(32).toString('base64'), recordId);
  await db
    .insertInto('server_secrets')
    .values({ name, secret_sealed: sealed.value, kek_id: sealed.kekId })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  // Another process may have won the race: read back whichever key is stored.
  return loadServerSecret(db, envelope, name);
}
