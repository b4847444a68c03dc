import type { CustomJwtAuthorizer } from '../auth/jwt-authorizer';
import type { VaultDb } from '../db/database';

export interface WorkloadIdentityRecord {
  name: string;
  allowedReturnUrls: string[];
  tags: Record<string, string>;
  jwtAuthorizer?: CustomJwtAuthorizer;
  createdAt: Date;
  updatedAt: Date;
}

type Row = {
  name: string;
  allowed_return_urls: string[];
  tags: Record<string, string>;
  jwt_authorizer: CustomJwtAuthorizer | null;
  created_at: Date;
  updated_at: Date;
};

const toRecord = (row: Row): WorkloadIdentityRecord => ({
  name: row.name,
  allowedReturnUrls: row.allowed_return_urls,
  tags: row.tags,
  ...(row.jwt_authorizer ? { jwtAuthorizer: row.jwt_authorizer } : {}),
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
});

/** The workload identity directory in the vault database. */
export class WorkloadIdentitiesRepository {
  constructor(private readonly db: VaultDb) {}

  /** Inserts a new identity; false when the name is taken. */
  async insert(record: WorkloadIdentityRecord): Promise<boolean> {
    const inserted = await this.db
      .insertInto('workload_identities')
      .values({
        name: record.name,
        allowed_return_urls: JSON.stringify(record.allowedReturnUrls),
        tags: JSON.stringify(record.tags),
        created_at: record.createdAt,
        updated_at: record.updatedAt,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('name')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async find(name: string): Promise<WorkloadIdentityRecord | undefined> {
    const row = await this.db
      .selectFrom('workload_identities')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /** Names in order, starting after `after`; one more than `limit` tells whether a next page exists. */
  async page(limit: number, after?: string): Promise<WorkloadIdentityRecord[]> {
    let query = this.db
      .selectFrom('workload_identities')
      .selectAll()
      .orderBy('name')
      .limit(limit + 1);
    if (after !== undefined) query = query.where('name', '>', after);
    return (await query.execute()).map(toRecord);
  }

  async update(
    name: string,
    changes: { allowedReturnUrls?: string[]; updatedAt: Date },
  ): Promise<WorkloadIdentityRecord | undefined> {
    const row = await this.db
      .updateTable('workload_identities')
      .set({
        updated_at: changes.updatedAt,
        ...(changes.allowedReturnUrls
          ? { allowed_return_urls: JSON.stringify(changes.allowedReturnUrls) }
          : {}),
      })
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /** True when a row was deleted. */
  async delete(name: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('workload_identities')
      .where('name', '=', name)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Replaces the tag map of an identity; false when there is no such identity. */
  async setTags(name: string, tags: Record<string, string>): Promise<boolean> {
    const result = await this.db
      .updateTable('workload_identities')
      .set({ tags: JSON.stringify(tags) })
      .where('name', '=', name)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Sets or (with null) removes the JWT authorizer; the updated record, or undefined when there is none. */
  async setJwtAuthorizer(
    name: string,
    authorizer: CustomJwtAuthorizer | null,
    updatedAt: Date,
  ): Promise<WorkloadIdentityRecord | undefined> {
    const row = await this.db
      .updateTable('workload_identities')
      .set({ jwt_authorizer: authorizer ? JSON.stringify(authorizer) : null, updated_at: updatedAt })
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }
}
