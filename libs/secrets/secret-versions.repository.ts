import type { VaultDb } from '../db/database';

/** The AWSCURRENT version of each watched external secret, as its watch last saw it. */
export class SecretVersionsRepository {
  constructor(private readonly db: VaultDb) {}

  /**
   * Records the version now current.
   * @returns the version it replaced, undefined when the secret was not known before or has not changed
   */
  async record(arn: string, versionId: string, now: Date): Promise<{ changedFrom?: string }> {
    const known = await this.db
      .selectFrom('secret_versions')
      .select('version_id')
      .where('arn', '=', arn)
      .executeTakeFirst();
    if (known?.version_id === versionId) return {};
    await this.db
      .insertInto('secret_versions')
      .values({ arn, version_id: versionId, changed_at: now })
      .onConflict((oc) => oc.column('arn').doUpdateSet({ version_id: versionId, changed_at: now }))
      .execute();
    return known ? { changedFrom: known.version_id } : {};
  }

  async all(): Promise<{ arn: string; versionId: string }[]> {
    const rows = await this.db.selectFrom('secret_versions').select(['arn', 'version_id']).execute();
    return rows.map((r) => ({ arn: r.arn, versionId: r.version_id }));
  }

  async forget(arn: string): Promise<void> {
    await this.db.deleteFrom('secret_versions').where('arn', '=', arn).execute();
  }

  /** Whether any credential provider still uses this secret as its EXTERNAL secret. */
  async stillReferenced(arn: string): Promise<boolean> {
    for (const table of ['api_key_providers', 'oauth2_providers'] as const) {
      const row = await this.db
        .selectFrom(table)
        .select('name')
        .where('secret_arn', '=', arn)
        .where('secret_source', '=', 'EXTERNAL')
        .executeTakeFirst();
      if (row) return true;
    }
    return false;
  }
}
