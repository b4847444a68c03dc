import type { ReleaseApproval } from '../../../../libs/approvals/release-approvals.repository';
import type { AuditLog } from '../../../../libs/audit/audit-log';
import { connectionId } from '../../../../libs/consent/user-key';
import type { ConsentPortal } from '../../../../libs/portal/consent-portals.repository';
import type { PortalPerson } from '../../../../libs/portal/portal-sessions';
import type { Oauth2ProvidersRepository } from '../../../../libs/providers/oauth2-providers.repository';
import { describeScope } from '../../../../libs/providers/scope-descriptions';
import type { ConnectionRecordsRepository } from '../../../../libs/vault/connection-records.repository';
import type { PoliciesOf } from '../../../../libs/policy/policy-engines.repository';
import type { WorkloadIdentitiesRepository } from '../../../../libs/workload-identities/workload-identities.repository';
import { approverLabel, mayApprove, type ReleaseApprovals } from '../approvals/release-approvals';
import { covers, type UserConsent } from '../resource-tokens/user-consent';
import type { ApprovalView } from './portal-approval-page';
import { AccessDeniedException } from '../../../../libs/wire/errors';
import { notWaiting, PortalProblem } from './portal.service';

export interface PortalApprovalsDeps {
  approvals: Pick<ReleaseApprovals, 'find' | 'decide' | 'pendingFor'>;
  providers: Pick<Oauth2ProvidersRepository, 'find'>;
  workloads: Pick<WorkloadIdentitiesRepository, 'find'>;
  records: Pick<ConnectionRecordsRepository, 'find'>;
  policies: PoliciesOf;
  consent: Pick<UserConsent, 'startSession'>;
  audit: Pick<AuditLog, 'record'>;
}

/** After an answer: a page saying so, or the consent screen of the consent that must follow. */
export type ApprovalAnswered = { approved: boolean; consentScreen?: string };

/**
 * The approval page of a consent portal: a person whom the policies name (the request's user, a
 * member of a group) sees what an agent asks and why, and approves it once, for the window the
 * policies allow, or denies it. Anyone else is refused, as if the request were not there to answer.
 */
export class PortalApprovals {
  constructor(private readonly deps: PortalApprovalsDeps) {}

  async view(portal: ConsentPortal, person: PortalPerson, approvalId: string): Promise<ApprovalView> {
    const approval = await this.own(portal, person, approvalId, 'PortalViewApproval');
    const [workload, provider, why] = await Promise.all([
      this.deps.workloads.find(approval.workloadName),
      this.deps.providers.find(approval.providerName),
      this.deps.policies.describe(approval.policies),
    ]);
    const vendor = provider?.vendor ?? (approval.action === 'ReleaseApiKey' ? 'ApiKey' : 'CustomOauth2');
    return {
      approvalId: approval.id,
      workloadName: approval.workloadName,
      ...(workload?.tags.description ? { workloadDescription: workload.tags.description } : {}),
      providerName: approval.providerName,
      vendor,
      action: approval.action,
      scopes: approval.scopes.map((scope) => {
        const description = describeScope(vendor, scope);
        return { scope, ...(description ? { description } : {}) };
      }),
      resources: approval.resources,
      audiences: approval.audiences,
      requestedBy: approval.caller,
      forYou: approval.userHash !== undefined && person.userHashes.includes(approval.userHash),
      why,
      windowSeconds: approval.windowSeconds,
      expiresAt: approval.expiresAt,
    };
  }

  /** Records the person's answer; an approved consent that the vault cannot serve yet goes on to the consent screen. */
  async answer(
    portal: ConsentPortal,
    person: PortalPerson,
    approvalId: string,
    answer: { approve: boolean; windowSeconds: number },
  ): Promise<ApprovalAnswered> {
    const approval = await this.own(portal, person, approvalId, 'PortalDecideApproval');
    if (answer.windowSeconds > approval.windowSeconds || answer.windowSeconds < 0)
      throw new PortalProblem(400, 'Unknown answer', 'Please choose one of the answers on the page.');
    await this.deps.approvals
      .decide(approval, {
        approved: answer.approve,
        decidedBy: `portal:${approverLabel(approval, person)}`,
        windowSeconds: answer.approve ? answer.windowSeconds : 0,
      })
      .catch((err: unknown) => {
        throw err instanceof AccessDeniedException ? notWaiting() : err;
      });
    if (!answer.approve) return { approved: false };
    const consentScreen = await this.consentToFollow(portal, person, approval);
    return { approved: true, ...(consentScreen ? { consentScreen } : {}) };
  }

  /** The approvals waiting for this person on this portal (shown with their connections). */
  pending(portal: ConsentPortal, person: PortalPerson): Promise<ReleaseApproval[]> {
    return this.deps.approvals.pendingFor(portal.id, person.userHashes);
  }

  /**
   * When the user approved a release of their own that the vault holds no token for, their consent
   * follows at once: the agent, polling the approval, gets the token once it is given.
   */
  private async consentToFollow(
    portal: ConsentPortal,
    person: PortalPerson,
    approval: ReleaseApproval,
  ): Promise<string | undefined> {
    const user = approval.userHash;
    if (
      approval.flow !== 'USER_FEDERATION' ||
      !user ||
      !person.userHashes.includes(user) ||
      !approval.returnUrl
    )
      return undefined;
    const id = connectionId(approval.workloadName, user, approval.providerName);
    const record = await this.deps.records.find(id);
    const live = record && (record.state === 'ACTIVE' || record.state === 'REFRESHING');
    if (live && covers(record.scopes, approval.scopes)) return undefined;
    const provider = await this.deps.providers.find(approval.providerName);
    if (!provider) return undefined;
    const started = await this.deps.consent.startSession(
      provider,
      {
        workloadName: approval.workloadName,
        userHash: user,
        connectionId: id,
        scopes: approval.scopes,
        returnUrl: approval.returnUrl,
        ...(approval.resources.length ? { resources: approval.resources } : {}),
        ...(approval.audiences.length ? { audiences: approval.audiences } : {}),
        requestedBy: approval.caller,
      },
      portal.id,
    );
    return started.authorizationUrl;
  }

  private async own(
    portal: ConsentPortal,
    person: PortalPerson,
    approvalId: string,
    operation: string,
  ): Promise<ReleaseApproval> {
    const approval = /^[0-9a-f-]{36}$/.test(approvalId)
      ? await this.deps.approvals.find(approvalId)
      : undefined;
    const audit = (outcome: string) =>
      this.deps.audit.record({
        actor: `portal:${portal.id}`,
        operation,
        ...(approval ? { workloadName: approval.workloadName } : {}),
        resource: approval?.providerName ?? portal.id,
        ...(person.userHashes[0] ? { userHash: person.userHashes[0] } : {}),
        outcome,
        ...(approval ? { detail: { approvalId: approval.id } } : {}),
      });
    if (!approval || approval.portalId !== portal.id) {
      await audit('ResourceNotFoundException');
      throw new PortalProblem(404, 'No such request', 'There is no request with this link on this portal.');
    }
    if (!mayApprove(approval, person)) {
      await audit('AccessDeniedException');
      throw new PortalProblem(
        403,
        'This request is not yours to answer',
        'This request waits for the approval of another person. Nothing was approved.',
      );
    }
    if (approval.status !== 'PENDING' || approval.expiresAt.getTime() <= Date.now()) {
      await audit('ApprovalNotWaiting');
      throw notWaiting();
    }
    await audit('Success');
    return approval;
  }
}
