import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEvent } from '../../libs/audit/audit-log';
import type { ApprovalStatus, ReleaseApproval } from '../../libs/approvals/release-approvals.repository';
import { createApprovalActivities } from './approval.activities';

const NOW = new Date('2026-12-04T10:00:00Z');
const APPROVAL: ReleaseApproval = {
  id: '7d0c1c1e-0000-4000-8000-000000000001',
  workloadName: 'crm-agent',
  providerName: 'crm',
  action: 'ReleaseToken',
  flow: 'USER_FEDERATION',
  userHash: 'u2.alice',
  scopes: ['crm.write'],
  resources: [],
  audiences: [],
  caller: 'crm-role',
  policies: [{ engine: 'crm_rules', policy: 'approve_write' }],
  approvers: ['user'],
  windowSeconds: 3600,
  status: 'PENDING',
  createdAt: NOW,
  expiresAt: new Date(NOW.getTime() + 600_000),
};

/** The approvals table in memory: `settle` decides a pending approval once, as the repository's UPDATE does. */
function fakes() {
  let stored: ReleaseApproval = { ...APPROVAL };
  const audits: AuditEvent[] = [];
  const emitted: string[] = [];
  const counted: string[] = [];
  const activities = createApprovalActivities({
    approvals: {
      find: () => Promise.resolve(stored),
      settle: (_id, outcome: { status: Exclude<ApprovalStatus, 'PENDING'>; grantedUntil?: Date }) => {
        if (stored.status !== 'PENDING') return Promise.resolve(undefined);
        stored = {
          ...stored,
          status: outcome.status,
          ...(outcome.grantedUntil ? { grantedUntil: outcome.grantedUntil } : {}),
        };
        return Promise.resolve(stored);
      },
    },
    webhooks: {
      emit: (type, data) =>
        Promise.resolve(void emitted.push(`${type} ${data.approvalId} ${data.reason ?? ''}`.trim())),
    },
    audit: { record: (event) => Promise.resolve(void audits.push(event)) },
    metrics: { approval: (outcome) => void counted.push(outcome) },
    now: () => NOW,
  });
  return { activities, audits, emitted, counted, stored: () => stored };
}

describe('approval activities', () => {
  it('announces a request with what is asked and why, never more', async () => {
    const { activities, audits, emitted } = fakes();
    await activities.announceApproval({ approvalId: APPROVAL.id });
    assert.deepEqual(emitted, [`approval.requested ${APPROVAL.id}`]);
    assert.equal(audits[0]?.operation, 'RequestTokenReleaseApproval');
    assert.deepEqual(audits[0]?.detail, {
      approvalId: APPROVAL.id,
      approvers: 'user',
      scopes: 'crm.write',
      policies: 'crm_rules/approve_write',
    });
  });

  it('opens no wider window than the policies allow, and records a decision once across retries', async () => {
    const { activities, audits, emitted, stored } = fakes();
    const settle = () =>
      activities.settleApproval({
        approvalId: APPROVAL.id,
        state: 'APPROVED',
        decidedBy: 'portal:user:u2.alice',
        windowSeconds: 86_400,
      });
    await settle();
    await settle();
    assert.equal(stored().grantedUntil?.getTime(), NOW.getTime() + 3_600_000, 'clamped to an hour');
    assert.deepEqual(emitted, [`approval.decided ${APPROVAL.id} approved`]);
    assert.equal(audits.length, 1);
    assert.equal(audits[0]?.outcome, 'APPROVED');
    assert.equal(audits[0]?.actor, 'approver:portal:user');
  });

  it('records a timeout as EXPIRED with no approver', async () => {
    const { activities, audits, stored } = fakes();
    await activities.settleApproval({ approvalId: APPROVAL.id, state: 'EXPIRED' });
    assert.equal(stored().status, 'EXPIRED');
    assert.equal(stored().grantedUntil, undefined);
    assert.equal(audits[0]?.actor, 'mandate');
  });
});
