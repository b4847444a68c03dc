import type { Selectable } from 'kysely';
import type { VaultDb } from '../db/database';
import type { PoliciesTable, PolicyEnginesTable } from '../db/schema';

export type EnforcementMode = 'ACTIVE' | 'LOG_ONLY';

export interface PolicyEngine {
  id: string;
  name: string;
  description?: string;
  /** Attached to the token vault: decides every release. */
  attachedToVault: boolean;
  /** Attached to these workload identities: decides their releases. */
  attachedWorkloads: string[];
  tags: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

export interface Policy {
  id: string;
  engineId: string;
  name: string;
  description?: string;
  /** The Cedar text. */
  statement: string;
  enforcementMode: EnforcementMode;
  createdAt: Date;
  updatedAt: Date;
}

const toEngine = (row: Selectable<PolicyEnginesTable>): PolicyEngine => ({
  id: row.id,
  name: row.name,
  ...(row.description !== null ? { description: row.description } : {}),
  attachedToVault: row.attached_to_vault,
  attachedWorkloads: row.attached_workloads,
  tags: row.tags,
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
});

const toPolicy = (row: Selectable<PoliciesTable>): Policy => ({
  id: row.id,
  engineId: row.engine_id,
  name: row.name,
  ...(row.description !== null ? { description: row.description } : {}),
  statement: row.statement,
  enforcementMode: row.enforcement_mode as EnforcementMode,
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
});

/** Why a release is asked approval for, in words an approver reads: the policies and their descriptions. */
export interface PolicyReason {
  engine: string;
  policy?: string;
  description?: string;
}

/** What the approval page reads of the policies that asked. */
export interface PoliciesOf {
  describe(refs: { engine: string; policy?: string }[]): Promise<PolicyReason[]>;
}

/**
 * Policy engines and their Cedar policies in the vault database. Every write calls `changed`, so the
 * release policy of this process drops what it compiled at once (other processes within the cache TTL).
 */
export class PolicyEnginesRepository implements PoliciesOf {
  constructor(
    private readonly db: VaultDb,
    private readonly changed: () => void = () => undefined,
  ) {}

  async createEngine(engine: Pick<PolicyEngine, 'id' | 'name' | 'description' | 'tags'>, now: Date) {
    const row = await this.db
      .insertInto('policy_engines')
      .values({
        id: engine.id,
        name: engine.name,
        description: engine.description ?? null,
        attached_workloads: '[]',
        tags: JSON.stringify(engine.tags),
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .returningAll()
      .executeTakeFirst();
    this.changed();
    return row ? toEngine(row) : undefined;
  }

  async findEngine(id: string): Promise<PolicyEngine | undefined> {
    const row = await this.db
      .selectFrom('policy_engines')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toEngine(row) : undefined;
  }

  async enginePage(limit: number, after?: string): Promise<PolicyEngine[]> {
    let query = this.db.selectFrom('policy_engines').selectAll().orderBy('id').limit(limit);
    if (after !== undefined) query = query.where('id', '>', after);
    return (await query.execute()).map(toEngine);
  }

  async updateEngine(
    id: string,
    changes: { description?: string; attachedToVault?: boolean; attachedWorkloads?: string[] },
    now: Date,
  ): Promise<PolicyEngine | undefined> {
    const row = await this.db
      .updateTable('policy_engines')
      .set({
        updated_at: now,
        ...(changes.description !== undefined ? { description: changes.description } : {}),
        ...(changes.attachedToVault !== undefined ? { attached_to_vault: changes.attachedToVault } : {}),
        ...(changes.attachedWorkloads !== undefined
          ? { attached_workloads: JSON.stringify(changes.attachedWorkloads) }
          : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    this.changed();
    return row ? toEngine(row) : undefined;
  }

  /** Deletes the engine and its policies. */
  async deleteEngine(id: string): Promise<PolicyEngine | undefined> {
    await this.db.deleteFrom('policies').where('engine_id', '=', id).execute();
    const row = await this.db
      .deleteFrom('policy_engines')
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    this.changed();
    return row ? toEngine(row) : undefined;
  }

  /** The engines that decide a release by this workload: those on the token vault and those on the workload. */
  async enginesFor(workloadName: string): Promise<PolicyEngine[]> {
    const rows = await this.db.selectFrom('policy_engines').selectAll().orderBy('id').execute();
    return rows
      .map(toEngine)
      .filter((engine) => engine.attachedToVault || engine.attachedWorkloads.includes(workloadName));
  }

  async createPolicy(
    policy: Omit<Policy, 'createdAt' | 'updatedAt'>,
    now: Date,
  ): Promise<Policy | undefined> {
    const row = await this.db
      .insertInto('policies')
      .values({
        id: policy.id,
        engine_id: policy.engineId,
        name: policy.name,
        description: policy.description ?? null,
        statement: policy.statement,
        enforcement_mode: policy.enforcementMode,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['engine_id', 'name']).doNothing())
      .returningAll()
      .executeTakeFirst();
    this.changed();
    return row ? toPolicy(row) : undefined;
  }

  async findPolicy(engineId: string, id: string): Promise<Policy | undefined> {
    const row = await this.db
      .selectFrom('policies')
      .selectAll()
      .where('engine_id', '=', engineId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toPolicy(row) : undefined;
  }

  async policies(engineId: string): Promise<Policy[]> {
    const rows = await this.db
      .selectFrom('policies')
      .selectAll()
      .where('engine_id', '=', engineId)
      .orderBy('id')
      .execute();
    return rows.map(toPolicy);
  }

  async policyPage(engineId: string, limit: number, after?: string): Promise<Policy[]> {
    let query = this.db
      .selectFrom('policies')
      .selectAll()
      .where('engine_id', '=', engineId)
      .orderBy('id')
      .limit(limit);
    if (after !== undefined) query = query.where('id', '>', after);
    return (await query.execute()).map(toPolicy);
  }

  async updatePolicy(
    engineId: string,
    id: string,
    changes: { description?: string; statement?: string; enforcementMode?: EnforcementMode },
    now: Date,
  ): Promise<Policy | undefined> {
    const row = await this.db
      .updateTable('policies')
      .set({
        updated_at: now,
        ...(changes.description !== undefined ? { description: changes.description } : {}),
        ...(changes.statement !== undefined ? { statement: changes.statement } : {}),
        ...(changes.enforcementMode !== undefined ? { enforcement_mode: changes.enforcementMode } : {}),
      })
      .where('engine_id', '=', engineId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    this.changed();
    return row ? toPolicy(row) : undefined;
  }

  async deletePolicy(engineId: string, id: string): Promise<Policy | undefined> {
    const row = await this.db
      .deleteFrom('policies')
      .where('engine_id', '=', engineId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    this.changed();
    return row ? toPolicy(row) : undefined;
  }

  async describe(refs: { engine: string; policy?: string }[]): Promise<PolicyReason[]> {
    return Promise.all(
      refs.map(async (ref) => {
        const row = ref.policy
          ? await this.db
              .selectFrom('policies')
              .innerJoin('policy_engines', 'policy_engines.id', 'policies.engine_id')
              .select('policies.description')
              .where('policy_engines.name', '=', ref.engine)
              .where('policies.name', '=', ref.policy)
              .executeTakeFirst()
          : undefined;
        return { ...ref, ...(row?.description ? { description: row.description } : {}) };
      }),
    );
  }
}
