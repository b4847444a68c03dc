import type { AuditLog } from '../../libs/audit/audit-log';
import type { Metrics } from '../../libs/metrics/metrics';
import type {
  ReleaseApproval,
  ReleaseApprovalsRepository,
} from '../../libs/approvals/release-approvals.repository';
import type { ApprovalState } from '../../workflows/release-approval/definitions';
import type { WebhookEmitter } from '../webhooks/webhook-emitter';

/** Dependencies of the approval activities (the worker builds them: apps/worker/src/activity-deps.ts). */
export interface ApprovalDeps {
  approvals: Pick<ReleaseApprovalsRepository, 'find' | 'settle'>;
  webhooks: WebhookEmitter;
  audit: Pick<AuditLog, 'record'>;
  metrics: Pick<Metrics, 'approval'>;
  now?: () => Date;
}

/** What an audit entry and a webhook event say of an approval: references and names, never a token. */
const refs = (approval: ReleaseApproval) => ({
  approvalId: approval.id,
  workloadName: approval.workloadName,
  resourceCredentialProviderName: approval.providerName,
  ...(approval.userHash ? { userHash: approval.userHash } : {}),
});

/** The I/O of approval workflows: announce the request, record the outcome. */
export function createApprovalActivities(deps: ApprovalDeps) {
  const now = deps.now ?? (() => new Date());

  return {
    /** Audits the request and tells webhook subscribers an approver is needed. */
    async announceApproval({ approvalId }: { approvalId: string }): Promise<void> {
      const approval = await deps.approvals.find(approvalId);
      if (!approval) return;
      await deps.audit.record({
        actor: 'mandate',
        operation: 'RequestTokenReleaseApproval',
        workloadName: approval.workloadName,
        resource: approval.providerName,
        ...(approval.userHash ? { userHash: approval.userHash } : {}),
        outcome: 'Requested',
        detail: {
          approvalId,
          approvers: approval.approvers.join(' '),
          scopes: approval.scopes.join(' '),
          policies: approval.policies.map((p) => `${p.engine}/${p.policy ?? ''}`).join(' '),
        },
      });
      deps.metrics.approval('requested', approval.workloadName);
      await deps.webhooks.emit('approval.requested', refs(approval));
    },

    /** Records the approver's answer or the timeout; a window starts when it is granted. */
    async settleApproval(input: {
      approvalId: string;
      state: Exclude<ApprovalState, 'AWAITING_APPROVAL'>;
      decidedBy?: string;
      windowSeconds?: number;
    }): Promise<void> {
      const at = now();
      const found = await deps.approvals.find(input.approvalId);
      if (!found) return;
      const seconds = Math.min(input.windowSeconds ?? 0, found.windowSeconds);
      const settled = await deps.approvals.settle(
        input.approvalId,
        {
          status: input.state,
          ...(input.decidedBy ? { decidedBy: input.decidedBy } : {}),
          ...(input.state === 'APPROVED' && seconds > 0
            ? { grantedUntil: new Date(at.getTime() + seconds * 1000) }
            : {}),
        },
        at,
      );
      // Settled by an earlier attempt of this activity: announced then.
      if (!settled) return;
      await deps.audit.record({
        actor: input.decidedBy ? `approver:${input.decidedBy.split(':', 2).join(':')}` : 'mandate',
        operation: 'DecideTokenReleaseApproval',
        workloadName: settled.workloadName,
        resource: settled.providerName,
        ...(settled.userHash ? { userHash: settled.userHash } : {}),
        outcome: input.state,
        detail: { approvalId: settled.id, windowSeconds: input.state === 'APPROVED' ? seconds : 0 },
      });
      deps.metrics.approval(input.state.toLowerCase(), settled.workloadName);
      await deps.webhooks.emit('approval.decided', { ...refs(settled), reason: input.state.toLowerCase() });
    },
  };
}

export type ApprovalActivities = ReturnType<typeof createApprovalActivities>;
