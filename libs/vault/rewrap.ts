import type { VaultDb } from '../db/database';
import type { Envelope } from './envelope';

/** Every table with sealed values: its key column and its sealed column. */
const SEALED_COLUMNS = [
  { table: 'access_keys', key: 'access_key_id', sealed: 'secret_sealed' },
  { table: 'wat_keys', key: 'kid', sealed: 'secret_sealed' },
  { table: 'connections', key: 'id', sealed: 'tokens_sealed' },
  { table: 'auth_sessions', key: 'id', sealed: 'secrets_sealed' },
  { table: 'server_secrets', key: 'name', sealed: 'secret_sealed' },
  { table: 'exchange_subjects', key: 'connection_id', sealed: 'subject_sealed' },
] as const;

const BATCH = 100;

/**
 * Re-wraps the data keys of every sealed value not yet under the vault's current key, in batches.
 * Values stay readable throughout (each names its own key), so this runs while the service serves;
 * a row changed meanwhile is skipped by the `kek_id` guard and picked up by the next pass.
 *
 * @returns how many values were re-wrapped
 */
export async function rewrapSealedValues(db: VaultDb, envelope: Envelope): Promise<number> {
  let total = 0;
  for (const { table, key, sealed } of SEALED_COLUMNS) {
    for (;;) {
      const current = envelope.currentKeyId();
      // The table and column names come from the constant above, never from input.
      const rows = (await db
        .selectFrom(table)
        .select([`${key} as id`, `${sealed} as sealed`, 'kek_id'])
        .where('kek_id', '<>', current)
        .limit(BATCH)
        .execute()) as unknown as { id: string; sealed: string; kek_id: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const next = await envelope.rewrap(row.sealed);
        await db
          .updateTable(table)
          .set({ [sealed]: next.value, kek_id: next.kekId } as never)
          .where(key, '=', row.id as never)
          .where('kek_id', '=', row.kek_id)
          .execute();
        total += 1;
      }
    }
  }
  return total;
}

/** How many sealed values are under a key other than the current one. */
export async function countNotUnderCurrentKey(db: VaultDb, envelope: Envelope): Promise<number> {
  let total = 0;
  for (const { table } of SEALED_COLUMNS) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('kek_id', '<>', envelope.currentKeyId())
      .executeTakeFirst();
    total += Number(row?.n ?? 0);
  }
  return total;
}
