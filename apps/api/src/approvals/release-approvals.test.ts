import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approvalIdOf, approvalSessionUri, mayApprove } from './release-approvals';

describe('who may approve a release', () => {
  const alice = { userHashes: ['u2.alice', 'u2.alice-jwt'], groups: ['sales'] };
  const bob = { userHashes: ['u2.bob'], groups: ['sales', 'security'] };

  it('the user only, for @approval("user")', () => {
    const approval = { approvers: ['user'], userHash: 'u2.alice' };
    assert.equal(mayApprove(approval, alice), true);
    assert.equal(mayApprove(approval, bob), false);
    assert.equal(
      mayApprove({ approvers: ['user'] }, alice),
      false,
      'a release for no user has no user to ask',
    );
  });

  it('a member of the group, for @approval("group:<name>"); every approver named, when several policies ask', () => {
    assert.equal(mayApprove({ approvers: ['group:security'] }, bob), true);
    assert.equal(mayApprove({ approvers: ['group:security'] }, alice), false);
    const both = { approvers: ['group:security', 'user'], userHash: 'u2.alice' };
    assert.equal(mayApprove(both, alice), false, 'alice is the user but not in security');
    assert.equal(mayApprove(both, bob), false, 'bob is in security but not the user');
    assert.equal(mayApprove(both, { ...alice, groups: ['security'] }), true);
  });

  it('tells approval session URIs from consent ones', () => {
    const uri = approvalSessionUri('7d0c1c1e-0000-4000-8000-000000000001');
    assert.equal(uri, 'urn:ietf:params:oauth:request_uri:approval-7d0c1c1e-0000-4000-8000-000000000001');
    assert.equal(approvalIdOf(uri), '7d0c1c1e-0000-4000-8000-000000000001');
    assert.equal(
      approvalIdOf('urn:ietf:params:oauth:request_uri:7d0c1c1e-0000-4000-8000-000000000001'),
      undefined,
    );
    assert.equal(approvalIdOf(undefined), undefined);
  });
});
