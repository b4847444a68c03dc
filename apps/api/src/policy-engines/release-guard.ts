import type { AuditLog } from '../../../../libs/audit/audit-log';
import type { UserKeys } from '../../../../libs/consent/user-key';
import type { Metrics } from '../../../../libs/metrics/metrics';
import type { ReleasePolicy, ReleaseRequest } from '../../../../libs/policy/release-policy';
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

/**
 * The one policy check of every release (GetResourceOauth2Token in each flow, GetResourceApiKey):
 * Cedar's refusal becomes an AccessDeniedException naming the engine and policy that decided, never
 * the request's data; what a LOG_ONLY policy would have refused goes to the audit log and metrics.
 */
export class ReleaseGuard {
  constructor(
    private readonly policy: Pick<ReleasePolicy, 'decide' | 'undecided'>,
    private readonly workloads: Pick<WorkloadIdentitiesRepository, 'find'>,
    private readonly userKeys: Pick<UserKeys, 'hash'>,
    private readonly audit: Pick<AuditLog, 'record'>,
    private readonly metrics?: Pick<Metrics, 'policyDecision'>,
  ) {}

  async check(wat: WorkloadAccessToken, release: Release): Promise<void> {
    if (this.policy.undecided(wat.workloadName)) return;
    const user = wat.user ? { hash: this.userKeys.hash(wat.user), kind: wat.user.kind } : undefined;
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
        approved: false,
        now: new Date(),
      },
      {
        workloadTags: async () => (await this.workloads.find(wat.workloadName))?.tags ?? {},
        provider: () => Promise.resolve({ vendor: release.provider.vendor, tags: release.provider.tags }),
      },
    );
    if (decision.engines === 0) return;
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
      return;
    }
    const refusal = decision.refusal!;
    this.metrics?.policyDecision('deny', refusal.engine);
    throw new AccessDeniedException(
      refusal.policy
        ? `Policy ${refusal.policy} of policy engine ${refusal.engine} refuses this release`
        : `No policy of policy engine ${refusal.engine} permits this release`,
    );
  }
}
