import type { VaultDb } from '../db/database';
import type { StoredSecret } from '../secrets/secret-store';
import type { Oauth2ProviderConfig } from './provider-config';

export interface Oauth2ProviderRecord {
  name: string;
  vendor: string;
  config: Oauth2ProviderConfig;
  secret: StoredSecret;
  callbackId: string;
  tags: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

type Row = {
  name: string;
  vendor: string;
  config: Record<string, unknown>;
  secret_arn: string;
  secret_json_key: string;
  secret_source: 'MANAGED' | 'EXTERNAL';
  callback_id: string;
  tags: Record<string, string>;
  created_at: Date;
  updated_at: Date;
};

const toRecord = (row: Row): Oauth2ProviderRecord => ({
  name: row.name,
  vendor: row.vendor,
  config: row.config as unknown as Oauth2ProviderConfig,
  secret: { source: row.secret_source, ref: { arn: row.secret_arn, jsonKey: row.secret_json_key } },
  callbackId: row.callback_id,
  tags: row.tags,
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
});

const columns = (record: Pick<Oauth2ProviderRecord, 'vendor' | 'config' | 'secret'>) => ({
  vendor: record.vendor,
  config: JSON.stringify(record.config),
  secret_arn: record.secret.ref.arn,
  secret_json_key: record.secret.ref.jsonKey,
  secret_source: record.secret.source,
});

/** OAuth2 credential providers: their configuration without secrets, and where the client secret lives. */
export class Oauth2ProvidersRepository {
  constructor(private readonly db: VaultDb) {}

  async exists(name: string): Promise<boolean> {
    return (
      (await this.db
        .selectFrom('oauth2_providers')
        .select('name')
        .where('name', '=', name)
        .executeTakeFirst()) !== undefined
    );
  }

  async insert(record: Oauth2ProviderRecord): Promise<boolean> {
    const inserted = await this.db
      .insertInto('oauth2_providers')
      .values({
        name: record.name,
        ...columns(record),
        callback_id: record.callbackId,
        tags: JSON.stringify(record.tags),
        created_at: record.createdAt,
        updated_at: record.updatedAt,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('name')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async find(name: string): Promise<Oauth2ProviderRecord | undefined> {
    const row = await this.db
      .selectFrom('oauth2_providers')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async findByCallbackId(callbackId: string): Promise<Oauth2ProviderRecord | undefined> {
    const row = await this.db
      .selectFrom('oauth2_providers')
      .selectAll()
      .where('callback_id', '=', callbackId)
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async page(limit: number, after?: string): Promise<Oauth2ProviderRecord[]> {
    let query = this.db
      .selectFrom('oauth2_providers')
      .selectAll()
      .orderBy('name')
      .limit(limit + 1);
    if (after !== undefined) query = query.where('name', '>', after);
    return (await query.execute()).map(toRecord);
  }

  async replace(
    name: string,
    record: Pick<Oauth2ProviderRecord, 'vendor' | 'config' | 'secret'>,
    updatedAt: Date,
  ): Promise<Oauth2ProviderRecord | undefined> {
    const row = await this.db
      .updateTable('oauth2_providers')
      .set({ ...columns(record), updated_at: updatedAt })
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async delete(name: string): Promise<Oauth2ProviderRecord | undefined> {
    const row = await this.db
      .deleteFrom('oauth2_providers')
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }
}
