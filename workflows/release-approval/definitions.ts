import { defineQuery, defineSignal } from '@temporalio/workflow';

/** One approval a Cedar policy asks for: references only (the request itself is in the vault). */
export interface ApprovalInput {
  approvalId: string;
  /** How long approvers have to answer, in milliseconds; then the request fails. */
  ttlMs: number;
}

/** An approver's answer, checked by the API before it is sent: who they are is already verified. */
export interface ApprovalDecision {
  approved: boolean;
  /** `user:<hash>`, `group:<name>:<hash>` or `operator:<principal>`. */
  decidedBy: string;
  /** For an approval: how long releases of the same request stay approved; 0 for this one release. */
  windowSeconds: number;
}

export type ApprovalState = 'AWAITING_APPROVAL' | 'APPROVED' | 'DENIED' | 'EXPIRED';

export const approvalWorkflowId = (approvalId: string) => `release-approval:${approvalId}`;

export const approvalDecisionSignal = defineSignal<[ApprovalDecision]>('approvalDecisionSignal');
export const approvalStateQuery = defineQuery<ApprovalState>('approvalStateQuery');
