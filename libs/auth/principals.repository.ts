import type { TtlCache } from '../cache/ttl-cache';
import type { VaultDb } from '../db/database';
import { NamedRecords } from '../db/named-records';
import type { Envelope } from '../vault/envelope';
import type { CompiledPolicy } from './iam-policy';
import type { PrincipalWithSecret } from './sigv4.verifier';
import type { WebIdentityTrust } from './web-identity-trust';

/** Additional authenticated data of an access key's sealed secret: binds it to its row. */
const recordId = (accessKeyId: string) => `principal:${accessKeyId}`;

/** Access keys a principal may hold at once: a new one is made before the old one goes. */
export const MAX_ACCESS_KEYS = 2;

export interface PrincipalRecord {
  name: string;
  policyDocument: Record<string, unknown>;
  description?: string;
  webIdentityTrust?: WebIdentityTrust;
  tags: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

/** A principal as temporary credentials sign for it: its compiled policy, and its trust. */
export interface SessionPrincipal {
  name: string;
  policy: CompiledPolicy;
  tags: Record<string, string>;
  webIdentityTrust?: WebIdentityTrust;
  createdAt: Date;
}

export interface AccessKeyInfo {
  accessKeyId: string;
  createdAt: Date;
  lastUsedAt?: Date;
}

/**
 * Principals (callers) and their access keys in the vault database. Secrets are sealed by the vault
 * envelope before they reach the database and opened only here. With a cache, the SigV4 lookup
 * (`find` by access key id) reads through it, and every change to a principal or its keys drops the
 * entries it affects, so this process refuses a deleted key at once and other replicas within the TTL.
 */
export class PrincipalsRepository extends NamedRecords<'principals', PrincipalRecord> {
  constructor(
    db: VaultDb,
    private readonly envelope: Envelope,
    /** Compiles a stored policy document (libs/auth/iam-policy `compilePolicy` with the known operations). */
    private readonly compile: (document: unknown) => CompiledPolicy,
    private readonly keyCache?: TtlCache<string, PrincipalWithSecret | undefined>,
    private readonly sessionCache?: TtlCache<string, SessionPrincipal | undefined>,
  ) {
    super(db, 'principals', (row) => ({
      name: row.name,
      policyDocument: row.policy_document,
      ...(row.description !== null ? { description: row.description } : {}),
      ...(row.web_identity_trust
        ? { webIdentityTrust: row.web_identity_trust as unknown as WebIdentityTrust }
        : {}),
      tags: row.tags,
      createdAt: new Date(row.created_at),
      updatedAt: new Date(row.updated_at),
    }));
  }

  /** The caller an access key belongs to, with its secret and compiled policy: the SigV4 lookup. */
  findByAccessKey(accessKeyId: string): Promise<PrincipalWithSecret | undefined> {
    return this.keyCache
      ? this.keyCache.find(accessKeyId, () => this.loadByAccessKey(accessKeyId))
      : this.loadByAccessKey(accessKeyId);
  }

  /**
   * The principal temporary credentials sign for, by name (their session token names it), through
   * the cache: the signature check of a federated agent reads no database while the entry lives.
   */
  forSession(name: string): Promise<SessionPrincipal | undefined> {
    const load = async (): Promise<SessionPrincipal | undefined> => {
      const record = await this.find(name);
      if (!record) return undefined;
      return {
        name: record.name,
        policy: this.compile(record.policyDocument),
        tags: record.tags,
        ...(record.webIdentityTrust ? { webIdentityTrust: record.webIdentityTrust } : {}),
        createdAt: record.createdAt,
      };
    };
    return this.sessionCache ? this.sessionCache.find(name, load) : load();
  }

  private async loadByAccessKey(accessKeyId: string): Promise<PrincipalWithSecret | undefined> {
    const row = await this.db
      .selectFrom('access_keys')
      .innerJoin('principals', 'principals.name', 'access_keys.principal_name')
      .select([
        'access_keys.access_key_id',
        'access_keys.secret_sealed',
        'principals.name',
        'principals.policy_document',
        'principals.tags',
      ])
      .where('access_keys.access_key_id', '=', accessKeyId)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      accessKeyId: row.access_key_id,
      name: row.name,
      policy: this.compile(row.policy_document),
      tags: row.tags,
      secretAccessKey: await this.envelope.open(row.secret_sealed, recordId(row.access_key_id)),
    };
  }

  /** False when the name is taken. */
  insert(record: PrincipalRecord): Promise<boolean> {
    return this.insertRow({
      name: record.name,
      policy_document: JSON.stringify(record.policyDocument),
      description: record.description ?? null,
      web_identity_trust: record.webIdentityTrust ? JSON.stringify(record.webIdentityTrust) : null,
      tags: JSON.stringify(record.tags),
      created_at: record.createdAt,
      updated_at: record.updatedAt,
    });
  }

  async update(
    name: string,
    changes: {
      policyDocument?: Record<string, unknown>;
      description?: string;
      /** null removes the trust. */
      webIdentityTrust?: WebIdentityTrust | null;
      updatedAt: Date;
    },
  ): Promise<PrincipalRecord | undefined> {
    const updated = await this.updateRow(name, {
      updated_at: changes.updatedAt,
      ...(changes.policyDocument ? { policy_document: JSON.stringify(changes.policyDocument) } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.webIdentityTrust !== undefined
        ? { web_identity_trust: changes.webIdentityTrust ? JSON.stringify(changes.webIdentityTrust) : null }
        : {}),
    });
    await this.forgetKeysOf(name);
    return updated;
  }

  /** Deletes the principal and its access keys. */
  override async delete(name: string): Promise<PrincipalRecord | undefined> {
    await this.forgetKeysOf(name);
    const keys = await this.db
      .deleteFrom('access_keys')
      .where('principal_name', '=', name)
      .returning('access_key_id')
      .execute();
    for (const key of keys) this.keyCache?.delete(key.access_key_id);
    return super.delete(name);
  }

  override async setTags(name: string, tags: Record<string, string>): Promise<PrincipalRecord | undefined> {
    const updated = await super.setTags(name, tags);
    await this.forgetKeysOf(name);
    return updated;
  }

  async keys(name: string): Promise<AccessKeyInfo[]> {
    const rows = await this.db
      .selectFrom('access_keys')
      .select(['access_key_id', 'created_at', 'last_used_at'])
      .where('principal_name', '=', name)
      .orderBy('created_at')
      .execute();
    return rows.map((row) => ({
      accessKeyId: row.access_key_id,
      createdAt: new Date(row.created_at),
      ...(row.last_used_at ? { lastUsedAt: new Date(row.last_used_at) } : {}),
    }));
  }

  /** Stores a new key (or replaces the secret of an existing one, for the bootstrap admin). */
  async putKey(name: string, key: { accessKeyId: string; secretAccessKey: string }): Promise<void> {
    const sealed = await this.envelope.seal(key.secretAccessKey, recordId(key.accessKeyId));
    const values = { principal_name: name, secret_sealed: sealed.value, kek_id: sealed.kekId };
    await this.db
      .insertInto('access_keys')
      .values({ access_key_id: key.accessKeyId, ...values })
      .onConflict((oc) => oc.column('access_key_id').doUpdateSet(values))
      .execute();
    this.keyCache?.delete(key.accessKeyId);
  }

  /** False when the principal holds no such key. */
  async deleteKey(name: string, accessKeyId: string): Promise<boolean> {
    const deleted = await this.db
      .deleteFrom('access_keys')
      .where('principal_name', '=', name)
      .where('access_key_id', '=', accessKeyId)
      .executeTakeFirst();
    this.keyCache?.delete(accessKeyId);
    return deleted.numDeletedRows > 0n;
  }

  private readonly usesNoted = new Map<string, number>();

  /**
   * Records that a key signed a request, at most once a minute per key and process, off the
   * request path (`ListPrincipalAccessKeys` shows it as the key's last use).
   */
  noteUse(accessKeyId: string, at: Date = new Date()): void {
    const last = this.usesNoted.get(accessKeyId);
    if (last !== undefined && at.getTime() - last < 60_000) return;
    if (this.usesNoted.size >= 10_000) this.usesNoted.clear();
    this.usesNoted.set(accessKeyId, at.getTime());
    void this.db
      .updateTable('access_keys')
      .set({ last_used_at: at })
      .where('access_key_id', '=', accessKeyId)
      .execute()
      .catch(() => this.usesNoted.delete(accessKeyId));
  }

  /** Every principal with how many keys it holds: for the lock-out check. */
  async withKeyCounts(): Promise<{ record: PrincipalRecord; keys: number }[]> {
    const all: PrincipalRecord[] = [];
    for (let after: string | undefined, page: PrincipalRecord[]; ; after = page.at(-1)?.name) {
      page = await this.page(1000, after);
      all.push(...page.slice(0, 1000));
      if (page.length <= 1000) break;
    }
    const counts = await this.db
      .selectFrom('access_keys')
      .select((eb) => ['principal_name', eb.fn.countAll<string>().as('n')])
      .groupBy('principal_name')
      .execute();
    const byName = new Map(counts.map((row) => [row.principal_name, Number(row.n)]));
    return all.map((record) => ({ record, keys: byName.get(record.name) ?? 0 }));
  }

  private async forgetKeysOf(name: string): Promise<void> {
    this.sessionCache?.delete(name);
    if (!this.keyCache) return;
    const keys = await this.db
      .selectFrom('access_keys')
      .select('access_key_id')
      .where('principal_name', '=', name)
      .execute();
    for (const key of keys) this.keyCache.delete(key.access_key_id);
  }
}
