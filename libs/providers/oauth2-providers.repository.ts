import type { TtlCache } from '../cache/ttl-cache';
import type { VaultDb } from '../db/database';
import { NamedRecords } from '../db/named-records';
import type { StoredSecret } from '../secrets/secret-store';
import type { Oauth2ProviderConfig } from './provider-config';
import { secretColumns, storedSecret } from './secret-columns';

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

const columns = (record: Pick<Oauth2ProviderRecord, 'vendor' | 'config' | 'secret'>) => ({
  vendor: record.vendor,
  config: JSON.stringify(record.config),
  ...secretColumns(record.secret),
});

/** OAuth2 credential providers: their configuration without secrets, and where the client secret lives. */
export class Oauth2ProvidersRepository extends NamedRecords<'oauth2_providers', Oauth2ProviderRecord> {
  constructor(db: VaultDb, cache?: TtlCache<string, Oauth2ProviderRecord | undefined>) {
    super(
      db,
      'oauth2_providers',
      (row) => ({
        name: row.name,
        vendor: row.vendor,
        config: row.config as unknown as Oauth2ProviderConfig,
        secret: storedSecret(row),
        callbackId: row.callback_id,
        tags: row.tags,
        createdAt: new Date(row.created_at),
        updatedAt: new Date(row.updated_at),
      }),
      cache,
    );
  }

  insert(record: Oauth2ProviderRecord): Promise<boolean> {
    return this.insertRow({
      name: record.name,
      ...columns(record),
      callback_id: record.callbackId,
      tags: JSON.stringify(record.tags),
      created_at: record.createdAt,
      updated_at: record.updatedAt,
    });
  }

  async findByCallbackId(callbackId: string): Promise<Oauth2ProviderRecord | undefined> {
    const row = await this.db
      .selectFrom('oauth2_providers')
      .selectAll()
      .where('callback_id', '=', callbackId)
      .executeTakeFirst();
    return row ? this.find(row.name) : undefined;
  }

  replace(
    name: string,
    record: Pick<Oauth2ProviderRecord, 'vendor' | 'config' | 'secret'>,
    updatedAt: Date,
  ): Promise<Oauth2ProviderRecord | undefined> {
    return this.updateRow(name, { ...columns(record), updated_at: updatedAt });
  }
}
