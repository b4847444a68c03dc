import type { Selectable } from 'kysely';
import type { VaultDb } from '../db/database';
import type { ConnectionRecordsTable } from '../db/schema';

/** The flows of GetResourceOauth2Token a connection serves. */
export type ConnectionFlow = 'USER_FEDERATION' | 'M2M' | 'ON_BEHALF_OF_TOKEN_EXCHANGE';
export const CONNECTION_STATES = ['ACTIVE', 'REFRESHING', 'NEEDS_CONSENT', 'REVOKED'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

/** What an operator may know of a connection: never a token, and the user only as its hash. */
export interface ConnectionRecord {
  id: string;
  workloadName: string;
  providerName: string;
  userHash: string;
  flow: ConnectionFlow;
  scopes: string[];
  state: ConnectionState;
  expiresAt?: Date;
  lastRefreshAt?: Date;
  /** `Success`, or the renewal failure (`invalid_grant`, `unavailable`, ...). */
  lastRefreshOutcome?: string;
  /** The most recent renewal failure, kept after later successes. */
  lastFailure?: string;
  /** When a token of the connection was last served (written in batches, so up to a flush behind). */
  lastUsedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export interface ConnectionFilter {
  workloadName?: string;
  providerName?: string;
  state?: ConnectionState;
}

/**
 * Operators' view of the connections: one record per connection, written by the activities that
 * store, renew, forget and revoke its tokens. The record outlives the tokens, so a connection that
 * needs consent again or was revoked is still listed, with its state.
 */
export class ConnectionRecordsRepository {
  constructor(private readonly db: VaultDb) {}

  /** New tokens were stored for a connection (a consent, a first grant or a renewal). */
  async stored(
    connection: {
      id: string;
      workloadName: string;
      providerName: string;
      userHash: string;
      scopes: string[];
    },
    flow: ConnectionFlow,
    expiresAt: Date | undefined,
    now: Date,
    refresh?: 'renewal',
  ): Promise<void> {
    const values = {
      workload_name: connection.workloadName,
      provider_name: connection.providerName,
      user_hash: connection.userHash,
      flow,
      scopes: JSON.stringify(connection.scopes),
      state: 'ACTIVE',
      expires_at: expiresAt ?? null,
      updated_at: now,
      ...(refresh ? { last_refresh_at: now, last_refresh_outcome: 'Success' } : {}),
    };
    await this.db
      .insertInto('connection_records')
      .values({ id: connection.id, ...values, created_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
  }

  /** A renewal began. */
  async refreshing(id: string, now: Date): Promise<void> {
    await this.update(id, { state: 'REFRESHING', updated_at: now });
  }

  /** A renewal attempt failed; the stored token (if any) stays in place. */
  async refreshFailed(id: string, failure: string, now: Date): Promise<void> {
    await this.update(id, {
      state: 'ACTIVE',
      last_refresh_at: now,
      last_refresh_outcome: failure,
      last_failure: failure,
      updated_at: now,
    });
  }

  /** The tokens are gone: the connection needs consent again, or was revoked. */
  async ended(id: string, state: 'NEEDS_CONSENT' | 'REVOKED', now: Date): Promise<void> {
    await this.update(id, { state, expires_at: null, updated_at: now });
  }

  async find(id: string): Promise<ConnectionRecord | undefined> {
    const row = await this.db
      .selectFrom('connection_records')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /** Every record of these users (a person's user hashes), but machine-to-machine ones, newest first. */
  async ofUsers(userHashes: string[]): Promise<ConnectionRecord[]> {
    if (userHashes.length === 0) return [];
    const rows = await this.db
      .selectFrom('connection_records')
      .selectAll()
      .where('user_hash', 'in', userHashes)
      .where('flow', '!=', 'M2M')
      .orderBy('created_at', 'desc')
      .limit(500)
      .execute();
    return rows.map(toRecord);
  }

  /** Notes when connections were last used; an earlier time never replaces a later one. */
  async used(uses: Map<string, Date>): Promise<void> {
    await Promise.all(
      [...uses].map(([id, at]) =>
        this.db
          .updateTable('connection_records')
          .set({ last_used_at: at })
          .where('id', '=', id)
          .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
          .execute(),
      ),
    );
  }

  /** Up to `limit` records after the id `after`, in id order. */
  async page(
    filter: ConnectionFilter,
    limit: number,
    after: string | undefined,
  ): Promise<ConnectionRecord[]> {
    let query = this.db.selectFrom('connection_records').selectAll();
    if (filter.workloadName !== undefined) query = query.where('workload_name', '=', filter.workloadName);
    if (filter.providerName !== undefined) query = query.where('provider_name', '=', filter.providerName);
    if (filter.state !== undefined) query = query.where('state', '=', filter.state);
    if (after !== undefined) query = query.where('id', '>', after);
    const rows = await query.orderBy('id').limit(limit).execute();
    return rows.map(toRecord);
  }

  private async update(
    id: string,
    values: {
      state: ConnectionState;
      updated_at: Date;
      expires_at?: null;
      last_refresh_at?: Date;
      last_refresh_outcome?: string;
      last_failure?: string;
    },
  ): Promise<void> {
    await this.db.updateTable('connection_records').set(values).where('id', '=', id).execute();
  }
}

type Row = Selectable<ConnectionRecordsTable>;

function toRecord(row: Row): ConnectionRecord {
  return {
    id: row.id,
    workloadName: row.workload_name,
    providerName: row.provider_name,
    userHash: row.user_hash,
    flow: row.flow as ConnectionFlow,
    scopes: row.scopes,
    state: row.state as ConnectionState,
    ...(row.expires_at ? { expiresAt: new Date(row.expires_at) } : {}),
    ...(row.last_refresh_at ? { lastRefreshAt: new Date(row.last_refresh_at) } : {}),
    ...(row.last_refresh_outcome ? { lastRefreshOutcome: row.last_refresh_outcome } : {}),
    ...(row.last_failure ? { lastFailure: row.last_failure } : {}),
    ...(row.last_used_at ? { lastUsedAt: new Date(row.last_used_at) } : {}),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
