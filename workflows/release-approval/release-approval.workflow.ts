import { condition, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { ApprovalActivities } from '../../activities/approvals/approval.activities';
import { STATE } from '../search-attributes';
import {
  approvalDecisionSignal,
  approvalStateQuery,
  type ApprovalDecision,
  type ApprovalInput,
  type ApprovalState,
} from './definitions';

const { announceApproval, settleApproval } = proxyActivities<ApprovalActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * One approval of a token release: tell subscribers it is asked, wait for an approver's answer (the
 * API verified who they are) or the timeout, record the outcome. The first answer counts. The agent
 * polls the vault's record, which `settleApproval` writes; nothing here holds a token.
 */
export async function approvalWorkflow(input: ApprovalInput): Promise<ApprovalState> {
  let decision: ApprovalDecision | undefined;
  let state: ApprovalState = 'AWAITING_APPROVAL';
  setHandler(approvalStateQuery, () => state);
  setHandler(approvalDecisionSignal, (answer) => {
    decision ??= answer;
  });

  await announceApproval({ approvalId: input.approvalId });
  const answered = await condition(() => decision !== undefined, input.ttlMs);
  state = !answered || !decision ? 'EXPIRED' : decision.approved ? 'APPROVED' : 'DENIED';
  await settleApproval({
    approvalId: input.approvalId,
    state,
    ...(decision ? { decidedBy: decision.decidedBy, windowSeconds: decision.windowSeconds } : {}),
  });
  upsertSearchAttributes([{ key: STATE, value: state }]);
  return state;
}
