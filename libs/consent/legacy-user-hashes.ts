import type { VaultDb } from '../db/database';
import type { ConnectionsRepository } from '../vault/connections.repository';
import type { ExchangeSubjectsRepository } from '../vault/exchange-subjects.repository';
import { connectionId, type UserKeys } from './user-key';

export interface LegacyRekeyDeps {
  db: VaultDb;
  keys: UserKeys;
  connections: ConnectionsRepository;
  subjects: Pick<ExchangeSubjectsRepository, 'delete'>;
}

/**
 * Moves connections stored by earlier versions, under unkeyed user hashes, to the keyed ones. A user
 * consent connection gets its new id and hash with the same tokens (re-sealed, since a sealed value
 * is bound to its record id), so no consent is lost; its running lifecycle, under the old id, finds
 * nothing to renew and ends, and the next renewal starts one under the new id. On-behalf-of
 * connections, whose ids also hash the request they were made for, cannot be recomputed: they are
 * dropped, and the next request exchanges the user's token again, with no step by the user.
 * Idempotent, and safe on several replicas at once.
 *
 * @returns how many connections moved or were dropped
 */
export async function rekeyLegacyConnections(deps: LegacyRekeyDeps): Promise<number> {
  const rows = await deps.db
    .selectFrom('connections')
    .select('id')
    .where('user_hash', 'like', 'u1.%')
    .execute();
  for (const row of rows) await rekeyConnection(deps, row.id);
  return rows.length;
}

/**
 * One connection, as above, if it is a legacy one.
 * @returns the connection's id now (undefined when it was dropped or is gone)
 */
export async function rekeyConnection(
  deps: Omit<LegacyRekeyDeps, 'db'>,
  id: string,
): Promise<string | undefined> {
  const stored = await deps.connections.read(id);
  if (!stored) return undefined;
  const { connection, tokens } = stored;
  const keyed = deps.keys.fromLegacy(connection.userHash);
  if (!keyed) return id;
  if (id !== connectionId(connection.workloadName, connection.userHash, connection.providerName)) {
    await deps.subjects.delete(id);
    await deps.connections.delete(id);
    return undefined;
  }
  const next = connectionId(connection.workloadName, keyed, connection.providerName);
  // Saved under the new id before the old row goes: a crash in between leaves both, and the next run finishes.
  await deps.connections.save(
    { ...connection, id: next, userHash: keyed },
    tokens,
    connection.obtainedAt ?? new Date(),
  );
  await deps.connections.delete(id);
  return next;
}
