import type { VaultDb } from '../../../../libs/db/database';
import type { StoredSecret } from '../credential-providers/provider-secrets';

export interface ApiKeyProviderRecord {
  name: string;
  secret: StoredSecret;
  tags: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

type Row = {
  name: string;
  secret_arn: string;
  secret_json_key: string;
  secret_source: 'MANAGED' | 'EXTERNAL';
  tags: Record<string, string>;
  created_at: Date;
  updated_at: Date;
};

const toRecord = (row: Row): ApiKeyProviderRecord => ({
  name: row.name,
  secret: { source: row.secret_source, ref: { arn: row.secret_arn, jsonKey: row.secret_json_key } },
  tags: row.tags,
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
});

const secretColumns = (secret: StoredSecret) => ({
  secret_arn: secret.ref.arn,
  secret_json_key: secret.ref.jsonKey,
  secret_source: secret.source,
});

/** API key credential providers: names and where their keys live, never the keys. */
export class ApiKeyProvidersRepository {
  constructor(private readonly db: VaultDb) {}

  async exists(name: string): Promise<boolean> {
    return (
      (await this.db
        .selectFrom('api_key_providers')
        .select('name')
        .where('name', '=', name)
        .executeTakeFirst()) !== undefined
    );
  }

  /** False when the name is taken. */
  async insert(record: ApiKeyProviderRecord): Promise<boolean> {
    const inserted = await this.db
      .insertInto('api_key_providers')
      .values({
        name: record.name,
        ...secretColumns(record.secret),
        tags: JSON.stringify(record.tags),
        created_at: record.createdAt,
        updated_at: record.updatedAt,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('name')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async find(name: string): Promise<ApiKeyProviderRecord | undefined> {
    const row = await this.db
      .selectFrom('api_key_providers')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async page(limit: number, after?: string): Promise<ApiKeyProviderRecord[]> {
    let query = this.db
      .selectFrom('api_key_providers')
      .selectAll()
      .orderBy('name')
      .limit(limit + 1);
    if (after !== undefined) query = query.where('name', '>', after);
    return (await query.execute()).map(toRecord);
  }

  async updateSecret(
    name: string,
    secret: StoredSecret,
    updatedAt: Date,
  ): Promise<ApiKeyProviderRecord | undefined> {
    const row = await this.db
      .updateTable('api_key_providers')
      .set({ ...secretColumns(secret), updated_at: updatedAt })
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async delete(name: string): Promise<ApiKeyProviderRecord | undefined> {
    const row = await this.db
      .deleteFrom('api_key_providers')
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }
}
