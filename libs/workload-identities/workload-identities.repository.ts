import type { CustomJwtAuthorizer } from '../auth/jwt-authorizer';
import type { TtlCache } from '../cache/ttl-cache';
import type { VaultDb } from '../db/database';
import { NamedRecords } from '../db/named-records';

export interface WorkloadIdentityRecord {
  name: string;
  allowedReturnUrls: string[];
  tags: Record<string, string>;
  jwtAuthorizer?: CustomJwtAuthorizer;
  createdAt: Date;
  updatedAt: Date;
}

/** The workload identity directory in the vault database. */
export class WorkloadIdentitiesRepository extends NamedRecords<
  'workload_identities',
  WorkloadIdentityRecord
> {
  constructor(db: VaultDb, cache?: TtlCache<string, WorkloadIdentityRecord | undefined>) {
    super(
      db,
      'workload_identities',
      (row) => ({
        name: row.name,
        allowedReturnUrls: row.allowed_return_urls,
        tags: row.tags,
        ...(row.jwt_authorizer ? { jwtAuthorizer: row.jwt_authorizer } : {}),
        createdAt: new Date(row.created_at),
        updatedAt: new Date(row.updated_at),
      }),
      cache,
    );
  }

  /** Inserts a new identity; false when the name is taken. */
  insert(record: WorkloadIdentityRecord): Promise<boolean> {
    return this.insertRow({
      name: record.name,
      allowed_return_urls: JSON.stringify(record.allowedReturnUrls),
      tags: JSON.stringify(record.tags),
      created_at: record.createdAt,
      updated_at: record.updatedAt,
    });
  }

  update(
    name: string,
    changes: { allowedReturnUrls?: string[]; updatedAt: Date },
  ): Promise<WorkloadIdentityRecord | undefined> {
    return this.updateRow(name, {
      updated_at: changes.updatedAt,
      ...(changes.allowedReturnUrls
        ? { allowed_return_urls: JSON.stringify(changes.allowedReturnUrls) }
        : {}),
    });
  }

  /** Sets or (with null) removes the JWT authorizer; the updated record, or undefined when there is none. */
  setJwtAuthorizer(
    name: string,
    authorizer: CustomJwtAuthorizer | null,
    updatedAt: Date,
  ): Promise<WorkloadIdentityRecord | undefined> {
    return this.updateRow(name, {
      jwt_authorizer: authorizer ? JSON.stringify(authorizer) : null,
      updated_at: updatedAt,
    });
  }
}
