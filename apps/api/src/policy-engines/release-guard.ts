import { decodeJwt } from 'jose';
import { groupsClaim } from '../../../../libs/auth/groups-claim';
import type { ReleaseApproval, ReleaseAsked } from '../../../../libs/approvals/release-approvals.repository';
import type { ApprovalAnswer, ReleaseApprovals } from '../approvals/release-approvals';
import type { AuditLog } from '../../../../libs/audit/audit-log';
import type { UserKeys } from '../../../../libs/consent/user-key';
import type { Metrics } from '../../../../libs/metrics/metrics';
import type { ApprovalDemand, ReleasePolicy, ReleaseRequest } from '../../../../libs/policy/release-policy';
import type { WorkloadAccessToken } from '../../../../libs/auth/workload-access-token';
import { AccessDeniedException } from '../../../../libs/wire/errors';
import type { WorkloadIdentitiesRepository } from '../../../../libs/workload-identities/workload-identities.repository';

export interface Release {
  action: ReleaseRequest['action'];
  flow: ReleaseRequest['flow'];
  provider: { name: string; vendor: string; tags: Record<string, string> };
  scopes?: string[];
  resources?: string[];
  audiences?: string[];
  /** The calling principal's name. */
  caller: string;
}

/** A release no policy engine decides: nothing to wait for, no approval to use (shared, so frozen). */
const ADMITTED: Promise<{ approval?: ReleaseApproval }> = Promise.resolve(Object.freeze({}));

/**
 * The one policy check of every release (GetResourceOauth2Token in each flow, GetResourceApiKey):
 * Cedar's refusal becomes an AccessDeniedException naming the engine and policy that decided, never
 * the request's data; what a LOG_ONLY policy would have refused goes to the audit log and metrics.
 * A refusal that a person's approval lifts is returned as the approval it asks for, for the caller
 * to wait for (ReleaseApprovals), then to check again with `approved`.
 */
export class ReleaseGuard {
  constructor(
    private readonly policy: Pick<ReleasePolicy, 'decide' | 'undecided'>,
    private readonly workloads: Pick<WorkloadIdentitiesRepository, 'find'>,
    private readonly userKeys: Pick<UserKeys, 'hash'>,
    private readonly audit: Pick<AuditLog, 'record'>,
    private readonly approvals: Pick<ReleaseApprovals, 'outcome'>,
    private readonly metrics?: Pick<Metrics, 'policyDecision'>,
  ) {}

  /** What an approver is asked to approve for this release: references and scopes, the user as a hash. */
  private asked(wat: WorkloadAccessToken, release: Release): ReleaseAsked {
    return {
      workloadName: wat.workloadName,
      providerName: release.provider.name,
      action: release.action,
      flow: release.flow,
      ...(wat.user ? { userHash: this.userKeys.hash(wat.user) } : {}),
      scopes: release.scopes ?? [],
      resources: release.resources ?? [],
      audiences: release.audiences ?? [],
      caller: release.caller,
    };
  }

  /**
   * Cedar's decision with approvals: go ahead (with the approval that lifted a refusal, to be used
   * once the token is released), or wait for an approver; a refusal throws.
   */
  admit(
    wat: WorkloadAccessToken,
    release: Release,
    options: { approvalId?: string; returnUrl?: string } = {},
  ): Promise<{ approval?: ReleaseApproval } | { waiting: ApprovalAnswer }> {
    // Most workloads have no policy engine: their releases are admitted with no promise made per call.
    if (this.policy.undecided(wat.workloadName)) return ADMITTED;
    return this.decided(wat, release, options);
  }

  private async decided(
    wat: WorkloadAccessToken,
    release: Release,
    options: { approvalId?: string; returnUrl?: string },
  ): Promise<{ approval?: ReleaseApproval } | { waiting: ApprovalAnswer }> {
    const demand = await this.check(wat, release);
    if (!demand) return {};
    const outcome = await this.approvals.outcome(this.asked(wat, release), demand, options);
    if ('waiting' in outcome) return outcome;
    // Cedar decides again, with the approval given: a policy changed since may still refuse (and throws).
    await this.check(wat, release, true);
    return { approval: outcome.approved };
  }

  private async check(
    wat: WorkloadAccessToken,
    release: Release,
    approved = false,
  ): Promise<ApprovalDemand | undefined> {
    if (this.policy.undecided(wat.workloadName)) return undefined;
    const user = wat.user
      ? { hash: this.userKeys.hash(wat.user), kind: wat.user.kind, groups: groupsOf(wat) }
      : undefined;
    const decision = await this.policy.decide(
      {
        action: release.action,
        workloadName: wat.workloadName,
        providerName: release.provider.name,
        flow: release.flow,
        scopes: release.scopes ?? [],
        resources: release.resources ?? [],
        audiences: release.audiences ?? [],
        caller: release.caller,
        ...(user ? { user } : {}),
        approved,
        now: new Date(),
      },
      {
        workloadTags: async () => (await this.workloads.find(wat.workloadName))?.tags ?? {},
        provider: () => Promise.resolve({ vendor: release.provider.vendor, tags: release.provider.tags }),
      },
    );
    if (decision.engines === 0) return undefined;
    for (const would of decision.wouldDeny) {
      this.metrics?.policyDecision('would_deny', would.engine);
      void this.audit.record({
        actor: 'mandate',
        operation: 'EvaluateReleasePolicy',
        workloadName: wat.workloadName,
        resource: release.provider.name,
        ...(user ? { userHash: user.hash } : {}),
        outcome: 'would_deny',
        detail: {
          engine: would.engine,
          ...(would.policy ? { policy: would.policy } : {}),
          flow: release.flow,
        },
      });
    }
    if (decision.allowed) {
      this.metrics?.policyDecision('allow', '');
      return undefined;
    }
    const refusal = decision.refusal!;
    if (decision.approval) {
      this.metrics?.policyDecision('needs_approval', refusal.engine);
      return decision.approval;
    }
    this.metrics?.policyDecision('deny', refusal.engine);
    throw new AccessDeniedException(
      refusal.policy
        ? `Policy ${refusal.policy} of policy engine ${refusal.engine} refuses this release`
        : `No policy of policy engine ${refusal.engine} permits this release`,
    );
  }
}

/**
 * The `groups` claim of the user JWT a workload access token was minted from: verified then, and
 * sealed in the token since, so it is read without verifying again.
 */
function groupsOf(wat: WorkloadAccessToken): string[] {
  if (wat.user?.kind !== 'jwt' || !wat.userToken) return [];
  try {
    return groupsClaim(decodeJwt(wat.userToken));
  } catch {
    return [];
  }
}
