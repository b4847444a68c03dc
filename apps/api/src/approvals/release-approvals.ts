import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  type ReleaseApproval,
  type ReleaseApprovalsRepository,
  type ReleaseAsked,
} from '../../../../libs/approvals/release-approvals.repository';
import type { ApprovalDemand } from '../../../../libs/policy/release-policy';
import type { ConsentPortalsRepository } from '../../../../libs/portal/consent-portals.repository';
import { approvalPageUrl } from '../../../../libs/portal/portal-urls';
import { AccessDeniedException, ResourceNotFoundException } from '../../../../libs/wire/errors';
import { approvalWorkflow } from '../../../../workflows/release-approval/release-approval.workflow';
import {
  approvalDecisionSignal,
  approvalWorkflowId,
  type ApprovalDecision,
} from '../../../../workflows/release-approval/definitions';
import { FLOW, PROVIDER_NAME, STATE, WORKLOAD_NAME } from '../../../../workflows/search-attributes';
import { APPROVAL_URI_PREFIX } from '../resource-tokens/resource-tokens.schemas';

/** Approvals' session URIs: `urn:ietf:params:oauth:request_uri:approval-<id>`, polled like a consent's. */
export const approvalSessionUri = (id: string) => `${APPROVAL_URI_PREFIX}${id}`;
export const approvalIdOf = (sessionUri: string | undefined) =>
  sessionUri?.startsWith(APPROVAL_URI_PREFIX) ? sessionUri.slice(APPROVAL_URI_PREFIX.length) : undefined;

export type ApprovalAnswer = { authorizationUrl?: string; sessionUri: string; sessionStatus: 'IN_PROGRESS' };

/** The outcome for a release that a policy asks approval for: go ahead (with this approval), or wait. */
export type ApprovalOutcome = { approved: ReleaseApproval } | { waiting: ApprovalAnswer };

export interface ReleaseApprovalsDeps {
  approvals: ReleaseApprovalsRepository;
  portals: Pick<ConsentPortalsRepository, 'forConsent'>;
  temporal: Client;
  settings: { publicUrl: string; ttlMs: number; taskQueue: string };
}

/**
 * The approvals Cedar policies ask for. A release is approved by an open window or an unused
 * one-release approval of the same request; else its pending approval is found again, or asked
 * for: an approval workflow waits for an approver, and the agent gets the portal's approval page
 * as its `authorizationUrl`, to poll with the approval's `sessionUri` as it would a consent.
 */
export class ReleaseApprovals {
  constructor(private readonly deps: ReleaseApprovalsDeps) {}

  async outcome(
    asked: ReleaseAsked,
    demand: ApprovalDemand,
    options: { approvalId?: string; returnUrl?: string },
  ): Promise<ApprovalOutcome> {
    const now = new Date();
    if (options.approvalId) return this.polled(options.approvalId, asked, now);
    const approved = await this.deps.approvals.usable(asked, now);
    if (approved) return { approved };
    const waiting =
      (await this.deps.approvals.pending(asked, now)) ??
      (await this.ask(asked, demand, options.returnUrl, now));
    return { waiting: this.answer(waiting, true) };
  }

  /**
   * A one-release approval is used once its token is released (not when approved), so a poll that
   * finds the approval but no token yet, e.g. while the user's consent follows, keeps it.
   */
  async used(approval: ReleaseApproval): Promise<void> {
    if (approval.grantedUntil) return;
    if (!(await this.deps.approvals.use(approval.id, new Date())))
      throw new AccessDeniedException('This approval was already used or has expired');
  }

  /** An agent's poll with an approval's session URI: only the agent and user it was asked for. */
  private async polled(id: string, asked: ReleaseAsked, now: Date): Promise<ApprovalOutcome> {
    const approval = await this.deps.approvals.find(id);
    if (
      !approval ||
      approval.workloadName !== asked.workloadName ||
      approval.providerName !== asked.providerName ||
      approval.userHash !== asked.userHash
    ) {
      throw new ResourceNotFoundException('No such approval for this workload, user and provider');
    }
    // A window is open until it ends; a one-release approval (and a waiting one) until it expires.
    const open = (approval.grantedUntil ?? approval.expiresAt) > now;
    if (approval.status === 'APPROVED' && open && !approval.consumedAt) return { approved: approval };
    if (approval.status === 'DENIED') throw new AccessDeniedException('An approver denied this release');
    if (approval.status === 'APPROVED')
      throw new AccessDeniedException('This approval was already used or has expired');
    if (approval.status === 'EXPIRED' || !open)
      throw new AccessDeniedException('No approver answered in time: this release was not approved');
    return { waiting: this.answer(approval, false) };
  }

  private async ask(
    asked: ReleaseAsked,
    demand: ApprovalDemand,
    returnUrl: string | undefined,
    now: Date,
  ): Promise<ReleaseApproval> {
    if (demand.approvers.includes('user') && !asked.userHash) {
      throw new AccessDeniedException(
        `Policy ${demand.policies[0]?.policy ?? ''} of policy engine ${demand.policies[0]?.engine ?? ''} asks the user's approval, and this release is for no user`,
      );
    }
    const portal = await this.deps.portals.forConsent(asked.workloadName, asked.providerName);
    const approval: ReleaseApproval = {
      ...asked,
      id: randomUUID(),
      policies: demand.policies,
      approvers: demand.approvers,
      windowSeconds: demand.windowSeconds,
      ...(portal ? { portalId: portal.id } : {}),
      ...(returnUrl ? { returnUrl } : {}),
      status: 'PENDING',
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.deps.settings.ttlMs),
    };
    await this.deps.approvals.create(approval);
    await this.deps.temporal.workflow.start(approvalWorkflow, {
      workflowId: approvalWorkflowId(approval.id),
      taskQueue: this.deps.settings.taskQueue,
      args: [{ approvalId: approval.id, ttlMs: this.deps.settings.ttlMs }],
      typedSearchAttributes: [
        { key: WORKLOAD_NAME, value: asked.workloadName },
        { key: PROVIDER_NAME, value: asked.providerName },
        { key: FLOW, value: asked.flow },
        { key: STATE, value: 'AWAITING_APPROVAL' },
      ],
    });
    return approval;
  }

  /** The agent's answer while an approval waits: the portal's approval page, if a portal asks. */
  private answer(approval: ReleaseApproval, withUrl: boolean): ApprovalAnswer {
    return {
      ...(withUrl && approval.portalId
        ? { authorizationUrl: approvalPageUrl(this.deps.settings.publicUrl, approval.portalId, approval.id) }
        : {}),
      sessionUri: approvalSessionUri(approval.id),
      sessionStatus: 'IN_PROGRESS',
    };
  }

  /** An approver's verified answer to a pending approval; the workflow records it. */
  async decide(approval: ReleaseApproval, decision: ApprovalDecision): Promise<void> {
    if (approval.status !== 'PENDING' || approval.expiresAt <= new Date())
      throw new AccessDeniedException('This approval is no longer waiting for an answer');
    try {
      await this.deps.temporal.workflow
        .getHandle(approvalWorkflowId(approval.id))
        .signal(approvalDecisionSignal, decision);
    } catch (err) {
      // Timed out a moment ago: the workflow ended before the vault's record says so.
      if (err instanceof WorkflowNotFoundError)
        throw new AccessDeniedException('This approval is no longer waiting for an answer');
      throw err;
    }
  }

  find(id: string): Promise<ReleaseApproval | undefined> {
    return this.deps.approvals.find(id);
  }

  pendingFor(portalId: string, userHashes: string[]): Promise<ReleaseApproval[]> {
    return this.deps.approvals.pendingFor(portalId, userHashes, new Date());
  }
}

/**
 * Whether a verified person may approve: they must be every approver the policies name, the
 * request's user (`user`) and a member of each named group (`group:<name>`).
 */
export function mayApprove(
  approval: Pick<ReleaseApproval, 'approvers' | 'userHash'>,
  person: { userHashes: string[]; groups: string[] },
): boolean {
  return approval.approvers.every((approver) =>
    approver === 'user'
      ? approval.userHash !== undefined && person.userHashes.includes(approval.userHash)
      : person.groups.includes(approver.slice('group:'.length)),
  );
}

/** How an approver is recorded: the role they approved in and their user hash, never a name. */
export function approverLabel(
  approval: Pick<ReleaseApproval, 'approvers' | 'userHash'>,
  person: { userHashes: string[] },
): string {
  const hash =
    approval.userHash && person.userHashes.includes(approval.userHash)
      ? approval.userHash
      : person.userHashes[0];
  return `${approval.approvers.join('+')}:${hash ?? ''}`;
}
