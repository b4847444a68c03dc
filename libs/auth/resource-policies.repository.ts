import { storable } from '../wire/text';
import type { TtlCache } from '../cache/ttl-cache';
import type { VaultDb } from '../db/database';
import type { CompiledPolicy } from './iam-policy';

export interface ResourcePolicyRecord {
  resourceArn: string;
  policyDocument: Record<string, unknown>;
  updatedAt: Date;
}

/**
 * The resource policies of workload identities and credential providers, keyed by the resource's
 * ARN. The access check reads them compiled, through a cache that also keeps "no policy" (most
 * resources have none, and the hot path must not ask the database each time); every write here
 * drops the entry it changes, other processes see a change within the cache's TTL.
 */
export class ResourcePoliciesRepository {
  constructor(
    private readonly db: VaultDb,
    /** Compiles a stored resource policy (checked when written, so it compiles). */
    private readonly compile: (document: unknown) => CompiledPolicy,
    private readonly cache?: TtlCache<string, CompiledPolicy | undefined>,
  ) {}

  async find(resourceArn: string): Promise<ResourcePolicyRecord | undefined> {
    const row = await this.db
      .selectFrom('resource_policies')
      .selectAll()
      .where('resource_arn', '=', resourceArn)
      .executeTakeFirst();
    return row
      ? {
          resourceArn: row.resource_arn,
          policyDocument: row.policy_document,
          updatedAt: new Date(row.updated_at),
        }
      : undefined;
  }

  /** The compiled policy of a resource, or undefined when it has none. */
  compiled(resourceArn: string): Promise<CompiledPolicy | undefined> {
    // The guard asks before the handler has checked the ARN; text the database cannot hold has no policy.
    if (!storable(resourceArn)) return Promise.resolve(undefined);
    return this.cache ? this.cache.get(resourceArn, () => this.load(resourceArn)) : this.load(resourceArn);
  }

  /** `compiled` when its answer is cached and loaded already: `{ policy }`, else undefined. */
  compiledIfCached(resourceArn: string): { policy: CompiledPolicy | undefined } | undefined {
    if (!storable(resourceArn)) return { policy: undefined };
    const cached = this.cache?.peek(resourceArn);
    return cached && { policy: cached.value };
  }

  private async load(resourceArn: string): Promise<CompiledPolicy | undefined> {
    const record = await this.find(resourceArn);
    return record ? this.compile(record.policyDocument) : undefined;
  }

  async put(resourceArn: string, policyDocument: Record<string, unknown>, at: Date): Promise<void> {
    const document = JSON.stringify(policyDocument);
    await this.db
      .insertInto('resource_policies')
      .values({ resource_arn: resourceArn, policy_document: document, updated_at: at })
      .onConflict((oc) =>
        oc.column('resource_arn').doUpdateSet({ policy_document: document, updated_at: at }),
      )
      .execute();
    this.cache?.delete(resourceArn);
  }

  /** False when the resource had no policy. */
  async delete(resourceArn: string): Promise<boolean> {
    const deleted = await this.db
      .deleteFrom('resource_policies')
      .where('resource_arn', '=', resourceArn)
      .executeTakeFirst();
    this.cache?.delete(resourceArn);
    return deleted.numDeletedRows > 0n;
  }
}
