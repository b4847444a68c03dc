import type { TtlCache } from '../cache/ttl-cache';
import type { VaultDb } from '../db/database';
import type { Envelope } from './envelope';

/** The tokens of a connection. Only activities write them; reads serve the hot path. */
export interface ConnectionTokens {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  tokenType?: string;
}

export interface Connection {
  id: string;
  workloadName: string;
  providerName: string;
  userHash: string;
  scopes: string[];
  expiresAt?: Date;
  /** When the tokens were obtained (stored); with the expiry, the token's total life. */
  obtainedAt?: Date;
}

/** A connection with its tokens, as read from the vault. */
export interface StoredConnection {
  connection: Connection;
  tokens: ConnectionTokens;
}

const recordId = (id: string) => `connection:${id}`;

/**
 * Connections (workload + user + provider) and their sealed tokens. With a cache (the hot path's),
 * `read` goes through it and writes drop what they change, in this process and (through the cache's
 * change feed) in the others; a lost notice is bounded by the cache's TTL, and `readFresh` reads
 * past the cache at once.
 */
export class ConnectionsRepository {
  constructor(
    private readonly db: VaultDb,
    private readonly envelope: Envelope,
    private readonly cache?: TtlCache<string, StoredConnection | undefined>,
  ) {}

  async save(connection: Connection, tokens: ConnectionTokens, now: Date): Promise<void> {
    const sealed = await this.envelope.seal(JSON.stringify(tokens), recordId(connection.id));
    const values = {
      workload_name: connection.workloadName,
      provider_name: connection.providerName,
      user_hash: connection.userHash,
      scopes: JSON.stringify(connection.scopes),
      tokens_sealed: sealed.value,
      kek_id: sealed.kekId,
      expires_at: connection.expiresAt ?? null,
      updated_at: now,
    };
    await this.db
      .insertInto('connections')
      .values({ id: connection.id, ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
    this.cache?.delete(connection.id);
  }

  /** The connection and its tokens, or undefined. */
  read(id: string): Promise<StoredConnection | undefined> {
    return this.cache ? this.cache.find(id, () => this.load(id)) : this.load(id);
  }

  /** As `read`, from the database now: after a renewal another process stored. */
  readFresh(id: string): Promise<StoredConnection | undefined> {
    // A read: only this process's copy goes, nothing is announced to the others.
    this.cache?.evict(id);
    return this.read(id);
  }

  /** Drops the cached copy of a connection that was just changed, here and in the other processes. */
  forgetCached(id: string): void {
    this.cache?.delete(id);
  }

  private async load(id: string): Promise<StoredConnection | undefined> {
    const row = await this.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const tokens = JSON.parse(await this.envelope.open(row.tokens_sealed, recordId(id))) as ConnectionTokens;
    return {
      connection: {
        id: row.id,
        workloadName: row.workload_name,
        providerName: row.provider_name,
        userHash: row.user_hash,
        scopes: row.scopes,
        ...(row.expires_at ? { expiresAt: new Date(row.expires_at) } : {}),
        obtainedAt: new Date(row.updated_at),
      },
      tokens,
    };
  }

  /** The ids of every connection a user has from one workload to one provider, whatever its flow. */
  async idsOf(owner: { workloadName: string; userHash: string; providerName: string }): Promise<string[]> {
    const rows = await this.db
      .selectFrom('connections')
      .select('id')
      .where('workload_name', '=', owner.workloadName)
      .where('user_hash', '=', owner.userHash)
      .where('provider_name', '=', owner.providerName)
      .execute();
    return rows.map((row) => row.id);
  }

  /** Forgets a connection's tokens: the next request for it starts a new consent. */
  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('connections').where('id', '=', id).execute();
    this.cache?.delete(id);
  }
}
