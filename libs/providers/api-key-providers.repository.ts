import type { TtlCache } from '../cache/ttl-cache';
import type { VaultDb } from '../db/database';
import { NamedRecords } from '../db/named-records';
import type { StoredSecret } from '../secrets/secret-store';
import { secretColumns, storedSecret } from './secret-columns';

export interface ApiKeyProviderRecord {
  name: string;
  secret: StoredSecret;
  tags: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

/** API key credential providers: names and where their keys live, never the keys. */
export class ApiKeyProvidersRepository extends NamedRecords<'api_key_providers', ApiKeyProviderRecord> {
  constructor(db: VaultDb, cache?: TtlCache<string, ApiKeyProviderRecord | undefined>) {
    super(
      db,
      'api_key_providers',
      (row) => ({
        name: row.name,
        secret: storedSecret(row),
        tags: row.tags,
        createdAt: new Date(row.created_at),
        updatedAt: new Date(row.updated_at),
      }),
      cache,
    );
  }

  /** False when the name is taken. */
  insert(record: ApiKeyProviderRecord): Promise<boolean> {
    return this.insertRow({
      name: record.name,
      ...secretColumns(record.secret),
      tags: JSON.stringify(record.tags),
      created_at: record.createdAt,
      updated_at: record.updatedAt,
    });
  }

  updateSecret(
    name: string,
    secret: StoredSecret,
    updatedAt: Date,
  ): Promise<ApiKeyProviderRecord | undefined> {
    return this.updateRow(name, { ...secretColumns(secret), updated_at: updatedAt });
  }
}
