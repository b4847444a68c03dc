import type { Selectable } from 'kysely';
import type { VaultDb } from '../db/database';
import type { ConsentPortalsTable } from '../db/schema';

/** AgentCore's source type (a gateway), kept and answered but of no effect in Mandate. */
export const GATEWAY_SOURCE = 'agentcore-gateway';
/** Mandate's source types: the workload identities and credential providers whose consents show on the portal. */
export const SOURCE_TYPES = [GATEWAY_SOURCE, 'workload-identity', 'credential-provider'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

export interface PortalSource {
  identifier: string;
  type: SourceType;
}

export interface PortalIdpConfig {
  credentialProviderArn: string;
  scopes: string[];
  audience?: string;
}

export interface ConsentPortal {
  id: string;
  name: string;
  description?: string;
  idpConfig: PortalIdpConfig;
  sources: PortalSource[];
  executionRoleArn?: string;
  /** The ID token claim that is the person's user id (`GetWorkloadAccessTokenForUserId`'s `userId`). */
  userIdClaim: string;
  status: 'ACTIVE';
  tags: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

export type NewConsentPortal = Omit<ConsentPortal, 'status' | 'createdAt' | 'updatedAt'>;
export type PortalChanges = Partial<Pick<ConsentPortal, 'description' | 'idpConfig' | 'executionRoleArn'>>;

const toPortal = (row: Selectable<ConsentPortalsTable>): ConsentPortal => ({
  id: row.id,
  name: row.name,
  ...(row.description !== null ? { description: row.description } : {}),
  idpConfig: row.idp_config,
  sources: row.sources as PortalSource[],
  ...(row.execution_role_arn !== null ? { executionRoleArn: row.execution_role_arn } : {}),
  userIdClaim: row.user_id_claim,
  status: 'ACTIVE',
  tags: row.tags,
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
});

/** The consent portals in the vault database, by id (AgentCore's `consentPortalId`), names unique. */
export class ConsentPortalsRepository {
  constructor(private readonly db: VaultDb) {}

  /** @returns undefined when the name is taken */
  async create(portal: NewConsentPortal, now: Date): Promise<ConsentPortal | undefined> {
    const row = await this.db
      .insertInto('consent_portals')
      .values({
        id: portal.id,
        name: portal.name,
        description: portal.description ?? null,
        idp_config: JSON.stringify(portal.idpConfig),
        sources: JSON.stringify(portal.sources),
        execution_role_arn: portal.executionRoleArn ?? null,
        user_id_claim: portal.userIdClaim,
        status: 'ACTIVE',
        tags: JSON.stringify(portal.tags),
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .returningAll()
      .executeTakeFirst();
    return row ? toPortal(row) : undefined;
  }

  async find(id: string): Promise<ConsentPortal | undefined> {
    const row = await this.db
      .selectFrom('consent_portals')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toPortal(row) : undefined;
  }

  /** Every portal, in id order: few per deployment, read when a consent starts (not on the hot path). */
  async all(): Promise<ConsentPortal[]> {
    const rows = await this.db.selectFrom('consent_portals').selectAll().orderBy('id').execute();
    return rows.map(toPortal);
  }

  async page(limit: number, after?: string): Promise<ConsentPortal[]> {
    let query = this.db.selectFrom('consent_portals').selectAll().orderBy('id').limit(limit);
    if (after !== undefined) query = query.where('id', '>', after);
    return (await query.execute()).map(toPortal);
  }

  /** The portal whose consent screen a session of this workload and provider goes through, if any. */
  async forConsent(workloadName: string, providerName: string): Promise<ConsentPortal | undefined> {
    return (await this.all()).find((portal) =>
      portal.sources.some(
        (source) =>
          (source.type === 'workload-identity' && source.identifier === workloadName) ||
          (source.type === 'credential-provider' && source.identifier === providerName),
      ),
    );
  }

  async update(id: string, changes: PortalChanges, now: Date): Promise<ConsentPortal | undefined> {
    const row = await this.db
      .updateTable('consent_portals')
      .set({
        updated_at: now,
        ...(changes.description !== undefined ? { description: changes.description } : {}),
        ...(changes.idpConfig !== undefined ? { idp_config: JSON.stringify(changes.idpConfig) } : {}),
        ...(changes.executionRoleArn !== undefined ? { execution_role_arn: changes.executionRoleArn } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row ? toPortal(row) : undefined;
  }

  /** For TagResource and UntagResource: undefined when the portal is gone. */
  async setTags(id: string, tags: Record<string, string>): Promise<ConsentPortal | undefined> {
    const row = await this.db
      .updateTable('consent_portals')
      .set({ tags: JSON.stringify(tags) })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row ? toPortal(row) : undefined;
  }

  /** Deletes the portal and signs out everyone signed in to it. */
  async delete(id: string): Promise<boolean> {
    await this.db.deleteFrom('portal_sessions').where('portal_id', '=', id).execute();
    const row = await this.db
      .deleteFrom('consent_portals')
      .where('id', '=', id)
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  }
}
