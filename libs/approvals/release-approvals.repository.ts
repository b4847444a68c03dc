import { createHash } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type { VaultDb } from '../db/database';
import type { ReleaseApprovalsTable } from '../db/schema';

export type ApprovalStatus = 'PENDING' | 'APPROVED' | 'DENIED' | 'EXPIRED';

/** What is released, as the approver sees it: names, scopes and the user's hash, never a token. */
export interface ReleaseAsked {
  workloadName: string;
  providerName: string;
  action: 'ReleaseToken' | 'ReleaseApiKey';
  flow: string;
  userHash?: string;
  scopes: string[];
  resources: string[];
  audiences: string[];
  /** The calling principal's name. */
  caller: string;
}

export interface ReleaseApproval extends ReleaseAsked {
  id: string;
  /** The engines and policies that ask for the approval: the "why" an approver is shown. */
  policies: { engine: string; policy?: string }[];
  /** Every one of these the approving person must be: `user`, `group:<name>`. */
  approvers: string[];
  /** The longest window of releases the approver may grant; 0: this one release. */
  windowSeconds: number;
  /** The consent portal whose approval page asks. */
  portalId?: string;
  /** A user's consent that follows the approval comes back to the agent's return URL. */
  returnUrl?: string;
  status: ApprovalStatus;
  /** Who decided: `user:<hash>`, `group:<name>:<hash>` or `operator:<principal>`. */
  decidedBy?: string;
  /** An approval for a window: releases of the same request are approved until then. */
  grantedUntil?: Date;
  /** A one-release approval, once used. */
  consumedAt?: Date;
  createdAt: Date;
  /** Until when an approver may answer, and a one-release approval may be used. */
  expiresAt: Date;
  decidedAt?: Date;
}

/**
 * The key of a release request: the same workload, provider, action, flow, user and (sorted)
 * scopes, resources and audiences. A pending approval is found again by it, and a window applies
 * to exactly these releases.
 */
export function requestKey(asked: ReleaseAsked): string {
  const sorted = (values: string[]) => [...new Set(values)].sort();
  return createHash('sha256')
    .update(
      JSON.stringify([
        asked.workloadName,
        asked.providerName,
        asked.action,
        asked.flow,
        asked.userHash ?? null,
        sorted(asked.scopes),
        sorted(asked.resources),
        sorted(asked.audiences),
      ]),
    )
    .digest('base64url');
}

const toApproval = (row: Selectable<ReleaseApprovalsTable>): ReleaseApproval => ({
  id: row.id,
  workloadName: row.workload_name,
  providerName: row.provider_name,
  action: row.action as ReleaseApproval['action'],
  flow: row.flow,
  ...(row.user_hash !== null ? { userHash: row.user_hash } : {}),
  scopes: row.scopes,
  resources: row.resources,
  audiences: row.audiences,
  caller: row.caller,
  policies: row.policies,
  approvers: row.approvers,
  windowSeconds: row.window_seconds,
  ...(row.portal_id !== null ? { portalId: row.portal_id } : {}),
  ...(row.return_url !== null ? { returnUrl: row.return_url } : {}),
  status: row.status as ApprovalStatus,
  ...(row.decided_by !== null ? { decidedBy: row.decided_by } : {}),
  ...(row.granted_until !== null ? { grantedUntil: new Date(row.granted_until) } : {}),
  ...(row.consumed_at !== null ? { consumedAt: new Date(row.consumed_at) } : {}),
  createdAt: new Date(row.created_at),
  expiresAt: new Date(row.expires_at),
  ...(row.decided_at !== null ? { decidedAt: new Date(row.decided_at) } : {}),
});

/** Release approvals in the vault database; the approval workflow's activities write the decisions. */
export class ReleaseApprovalsRepository {
  constructor(private readonly db: VaultDb) {}

  async create(
    approval: Omit<ReleaseApproval, 'status' | 'decidedBy' | 'grantedUntil' | 'consumedAt' | 'decidedAt'>,
  ): Promise<void> {
    await this.db
      .insertInto('release_approvals')
      .values({
        id: approval.id,
        request_key: requestKey(approval),
        workload_name: approval.workloadName,
        provider_name: approval.providerName,
        action: approval.action,
        flow: approval.flow,
        user_hash: approval.userHash ?? null,
        scopes: JSON.stringify(approval.scopes),
        resources: JSON.stringify(approval.resources),
        audiences: JSON.stringify(approval.audiences),
        caller: approval.caller,
        policies: JSON.stringify(approval.policies),
        approvers: JSON.stringify(approval.approvers),
        window_seconds: approval.windowSeconds,
        portal_id: approval.portalId ?? null,
        return_url: approval.returnUrl ?? null,
        status: 'PENDING',
        created_at: approval.createdAt,
        expires_at: approval.expiresAt,
      })
      .execute();
  }

  async find(id: string): Promise<ReleaseApproval | undefined> {
    const row = await this.db
      .selectFrom('release_approvals')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toApproval(row) : undefined;
  }

  /** The newest approval of this request that an approver may still answer. */
  async pending(asked: ReleaseAsked, now: Date): Promise<ReleaseApproval | undefined> {
    const row = await this.db
      .selectFrom('release_approvals')
      .selectAll()
      .where('request_key', '=', requestKey(asked))
      .where('status', '=', 'PENDING')
      .where('expires_at', '>', now)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toApproval(row) : undefined;
  }

  /**
   * An approval that covers this release now: a window that is open, or a one-release approval not
   * used yet (`use` takes it once the token is released, so two callers never share it).
   */
  async usable(asked: ReleaseAsked, now: Date): Promise<ReleaseApproval | undefined> {
    const row = await this.db
      .selectFrom('release_approvals')
      .selectAll()
      .where('request_key', '=', requestKey(asked))
      .where('status', '=', 'APPROVED')
      .where((eb) =>
        eb.or([
          eb('granted_until', '>', now),
          eb.and([
            eb('granted_until', 'is', null),
            eb('consumed_at', 'is', null),
            eb('expires_at', '>', now),
          ]),
        ]),
      )
      .orderBy('decided_at')
      .limit(1)
      .executeTakeFirst();
    return row ? toApproval(row) : undefined;
  }

  /** Uses a one-release approval for the release it approved; false if it was used or has expired. */
  async use(id: string, now: Date): Promise<boolean> {
    const used = await this.db
      .updateTable('release_approvals')
      .set({ consumed_at: now })
      .where('id', '=', id)
      .where('status', '=', 'APPROVED')
      .where('granted_until', 'is', null)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', now)
      .returning('id')
      .executeTakeFirst();
    return used !== undefined;
  }

  /**
   * Records the decision of a pending approval; undefined if it was decided already. A one-release
   * approval can be used for as long again as the approver had to answer, counted from the answer:
   * an approval given in the last second of its wait still reaches the agent's next poll.
   */
  async settle(
    id: string,
    outcome: { status: Exclude<ApprovalStatus, 'PENDING'>; decidedBy?: string; grantedUntil?: Date },
    now: Date,
  ): Promise<ReleaseApproval | undefined> {
    const row = await this.db
      .updateTable('release_approvals')
      .set({
        status: outcome.status,
        decided_by: outcome.decidedBy ?? null,
        granted_until: outcome.grantedUntil ?? null,
        decided_at: now,
        ...(outcome.status === 'APPROVED' && !outcome.grantedUntil
          ? { expires_at: sql<Date>`${now}::timestamptz + (expires_at - created_at)` }
          : {}),
      })
      .where('id', '=', id)
      .where('status', '=', 'PENDING')
      .returningAll()
      .executeTakeFirst();
    return row ? toApproval(row) : undefined;
  }

  /** What waits for a person on a portal: pending approvals for any of these users. */
  async pendingFor(portalId: string, userHashes: string[], now: Date): Promise<ReleaseApproval[]> {
    if (userHashes.length === 0) return [];
    const rows = await this.db
      .selectFrom('release_approvals')
      .selectAll()
      .where('portal_id', '=', portalId)
      .where('status', '=', 'PENDING')
      .where('expires_at', '>', now)
      .where('user_hash', 'in', userHashes)
      .orderBy('created_at')
      .limit(50)
      .execute();
    return rows.map(toApproval);
  }
}
