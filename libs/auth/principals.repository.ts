import type { TtlCache } from '../cache/ttl-cache';
import type { PrincipalPolicy } from '../db/schema';
import type { VaultDb } from '../db/database';
import type { Envelope } from '../vault/envelope';
import type { PrincipalWithSecret } from './sigv4.verifier';

/** Additional authenticated data of a principal's sealed secret: binds it to its row. */
const recordId = (accessKeyId: string) => `principal:${accessKeyId}`;

/**
 * Principals (callers with an access key) in the vault database. Secrets are sealed by the vault
 * envelope before they reach the database and opened only here.
 */
export class PrincipalsRepository {
  constructor(
    private readonly db: VaultDb,
    private readonly envelope: Envelope,
    /** The hot path's: every signed request looks its caller up here. */
    private readonly cache?: TtlCache<string, PrincipalWithSecret | undefined>,
  ) {}

  find(accessKeyId: string): Promise<PrincipalWithSecret | undefined> {
    return this.cache ? this.cache.find(accessKeyId, () => this.load(accessKeyId)) : this.load(accessKeyId);
  }

  private async load(accessKeyId: string): Promise<PrincipalWithSecret | undefined> {
    const row = await this.db
      .selectFrom('principals')
      .select(['access_key_id', 'name', 'secret_sealed', 'policy'])
      .where('access_key_id', '=', accessKeyId)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      accessKeyId: row.access_key_id,
      name: row.name,
      policy: row.policy,
      secretAccessKey: await this.envelope.open(row.secret_sealed, recordId(row.access_key_id)),
    };
  }

  async findByName(name: string): Promise<{ accessKeyId: string } | undefined> {
    const row = await this.db
      .selectFrom('principals')
      .select('access_key_id')
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? { accessKeyId: row.access_key_id } : undefined;
  }

  /** Creates or replaces a principal's secret and policy. */
  async upsert(principal: {
    accessKeyId: string;
    name: string;
    secretAccessKey: string;
    policy: PrincipalPolicy;
  }): Promise<void> {
    const sealed = await this.envelope.seal(principal.secretAccessKey, recordId(principal.accessKeyId));
    const values = {
      name: principal.name,
      secret_sealed: sealed.value,
      kek_id: sealed.kekId,
      policy: JSON.stringify(principal.policy),
    };
    await this.db
      .insertInto('principals')
      .values({ access_key_id: principal.accessKeyId, ...values })
      .onConflict((oc) => oc.column('access_key_id').doUpdateSet(values))
      .execute();
    this.cache?.delete(principal.accessKeyId);
  }

  async deleteByName(name: string): Promise<void> {
    const deleted = await this.db
      .deleteFrom('principals')
      .where('name', '=', name)
      .returning('access_key_id')
      .execute();
    for (const row of deleted) this.cache?.delete(row.access_key_id);
  }
}
