import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EnforcementMode, Policy, PolicyEngine } from './policy-engines.repository';
import { ReleasePolicy, type ReleaseRequest } from './release-policy';

const NOW = new Date('2026-12-02T10:00:00Z'); // a Wednesday
const engine = (name: string): PolicyEngine => ({
  id: `${name}-aaaaaaaaaa`,
  name,
  attachedToVault: true,
  attachedWorkloads: [],
  tags: {},
  createdAt: NOW,
  updatedAt: NOW,
});

/** Engines and policies in memory, changed by the test as an operator would. */
function store() {
  const engines: PolicyEngine[] = [];
  const policies: Policy[] = [];
  let reads = 0;
  const add = (engineName: string, name: string, statement: string, mode: EnforcementMode = 'ACTIVE') => {
    let found = engines.find((e) => e.name === engineName);
    if (!found) engines.push((found = engine(engineName)));
    policies.push({
      id: `${name}-bbbbbbbbbb`,
      engineId: found.id,
      name,
      statement,
      enforcementMode: mode,
      createdAt: NOW,
      updatedAt: NOW,
    });
  };
  const repository = {
    enginesFor: () => {
      reads += 1;
      return Promise.resolve([...engines]);
    },
    policies: (id: string) => Promise.resolve(policies.filter((p) => p.engineId === id)),
  };
  return { engines, policies, add, repository, reads: () => reads };
}

const request: ReleaseRequest = {
  action: 'ReleaseToken',
  workloadName: 'crm-agent',
  providerName: 'salesforce',
  flow: 'USER_FEDERATION',
  scopes: ['api'],
  resources: [],
  audiences: [],
  caller: 'crm-role',
  user: { hash: 'u2.alice', kind: 'userId', groups: [] },
  approved: false,
  now: NOW,
};
const subjects = {
  workloadTags: () => Promise.resolve({ team: 'sales' }),
  provider: () => Promise.resolve({ vendor: 'SalesforceOauth2', tags: {} }),
};
const PERMIT_SALES = 'permit(principal, action, resource) when { principal.getTag("team") == "sales" };';

describe('ReleasePolicy: Cedar on every release', () => {
  it('releases freely when no engine is attached, without reading tags', async () => {
    const { repository } = store();
    const policy = new ReleasePolicy(repository, 60_000);
    const decision = await policy.decide(request, {
      workloadTags: () => assert.fail('no engine: no tags needed'),
      provider: () => assert.fail('no engine: no provider needed'),
    });
    assert.deepEqual(decision, { allowed: true, wouldDeny: [], engines: 0 });
    assert.equal(policy.undecided('crm-agent'), true, 'the next release needs no decision at all');
    assert.equal(policy.undecided('other-agent'), false, 'not known yet');
    policy.forget();
    assert.equal(policy.undecided('crm-agent'), false, 'a change: asked again');
  });

  it('refuses without a permit, naming the engine; forbid wins across engines, naming the policy', async () => {
    const s = store();
    s.add('first', 'sales', PERMIT_SALES);
    const policy = new ReleasePolicy(s.repository, 60_000);
    assert.equal((await policy.decide(request, subjects)).allowed, true);
    assert.deepEqual((await policy.decide({ ...request, action: 'ReleaseApiKey' }, subjects)).allowed, true);
    s.add(
      'second',
      'weekdays',
      'permit(principal, action, resource) when { context.weekday == "WEDNESDAY" && context.hourUtc < 18 };',
    );
    s.add('second', 'no-api', 'forbid(principal, action, resource) when { context.scopes.contains("api") };');
    policy.forget();
    assert.deepEqual(await policy.decide(request, subjects), {
      allowed: false,
      refusal: { engine: 'second', policy: 'no-api' },
      wouldDeny: [],
      engines: 2,
    });
    const evening = { ...request, scopes: ['read'], now: new Date('2026-12-02T19:00:00Z') };
    assert.deepEqual((await policy.decide(evening, subjects)).refusal, { engine: 'second' });
    assert.equal((await policy.decide({ ...evening, now: NOW }, subjects)).allowed, true);
  });

  it('reports LOG_ONLY refusals as wouldDeny and never enforces them', async () => {
    const s = store();
    s.add('audit', 'sales', PERMIT_SALES);
    s.add('audit', 'no-users', 'forbid(principal, action, resource) when { context has user };', 'LOG_ONLY');
    const policy = new ReleasePolicy(s.repository, 60_000);
    const decision = await policy.decide(request, subjects);
    assert.equal(decision.allowed, true);
    assert.deepEqual(decision.wouldDeny, [{ engine: 'audit', policy: 'no-users' }]);
    const { user: _user, ...machine } = request;
    assert.deepEqual((await policy.decide({ ...machine, flow: 'M2M' }, subjects)).wouldDeny, []);
  });

  it('asks for approval where only annotated forbids refuse and Cedar permits once approved', async () => {
    const s = store();
    s.add('crm', 'sales', PERMIT_SALES);
    s.add(
      'crm',
      'approve-write',
      '@approval("user")\n@approvalWindow("3600")\nforbid(principal, action, resource) when { context.scopes.contains("crm.write") } unless { context.approved };',
    );
    const policy = new ReleasePolicy(s.repository, 60_000);
    const write = { ...request, scopes: ['crm.write'] };
    assert.equal((await policy.decide(request, subjects)).allowed, true, 'other scopes need no approval');
    assert.deepEqual(await policy.decide(write, subjects), {
      allowed: false,
      refusal: { engine: 'crm', policy: 'approve-write' },
      approval: {
        policies: [{ engine: 'crm', policy: 'approve-write' }],
        approvers: ['user'],
        windowSeconds: 3600,
      },
      wouldDeny: [],
      engines: 1,
    });
    assert.equal((await policy.decide({ ...write, approved: true }, subjects)).allowed, true);

    s.add(
      'second',
      'security-too',
      '@approval("group:security")\n@approvalWindow("60")\nforbid(principal, action, resource) when { context.scopes.contains("crm.write") } unless { context.approved };',
    );
    s.add('second', 'all', 'permit(principal, action, resource);');
    policy.forget();
    const both = await policy.decide(write, subjects);
    assert.deepEqual(both.approval?.approvers, ['group:security', 'user'], 'one person must be both');
    assert.equal(both.approval?.windowSeconds, 60, 'the shortest window any of them allows');

    s.add(
      'second',
      'never-write',
      'forbid(principal, action, resource) when { context.scopes.contains("crm.write") };',
    );
    policy.forget();
    const refused = await policy.decide(write, subjects);
    assert.equal(refused.approval, undefined, 'a plain forbid is not lifted by any approval');
    assert.equal(refused.allowed, false);
    assert.equal((await policy.decide({ ...write, approved: true }, subjects)).allowed, false);
  });

  it('asks for no approval that Cedar would not honour (no `unless context.approved`)', async () => {
    const s = store();
    s.add('crm', 'all', 'permit(principal, action, resource);');
    s.add('crm', 'annotated-only', '@approval("user")\nforbid(principal, action, resource);');
    const policy = new ReleasePolicy(s.repository, 60_000);
    const decision = await policy.decide(request, subjects);
    assert.deepEqual(decision.refusal, { engine: 'crm', policy: 'annotated-only' });
    assert.equal(decision.approval, undefined);
  });

  it('uses nothing compiled or decided before a change in this process; re-reads after the TTL otherwise', async () => {
    const s = store();
    s.add('vault', 'sales', PERMIT_SALES);
    const policy = new ReleasePolicy(s.repository, 60_000);
    assert.equal((await policy.decide(request, subjects)).allowed, true);
    assert.equal((await policy.decide(request, subjects)).allowed, true, 'cached');
    assert.equal(s.reads(), 1);
    s.add('vault', 'deny-all', 'forbid(principal, action, resource);');
    assert.equal(
      (await policy.decide(request, subjects)).allowed,
      true,
      'a change elsewhere is seen only after the TTL',
    );
    policy.forget();
    assert.equal((await policy.decide(request, subjects)).allowed, false, 'a change here is seen at once');

    const shortLived = new ReleasePolicy(s.repository, 0);
    s.policies.splice(1);
    assert.equal((await shortLived.decide(request, subjects)).allowed, true);
    s.add('vault', 'deny-all-2', 'forbid(principal, action, resource);');
    assert.equal((await shortLived.decide(request, subjects)).allowed, false);
  });

  it('survives 20,000 uncached decisions (regression: V8 aborted in a lazy deoptimisation of an inlined cedar-wasm call)', async () => {
    const s = store();
    s.add('load', 'sales', PERMIT_SALES);
    const policy = new ReleasePolicy(s.repository, 3_600_000);
    let allowed = 0;
    for (let i = 0; i < 20_000; i += 1) {
      if ((await policy.decide({ ...request, caller: `caller-${i}` }, subjects)).allowed) allowed += 1;
    }
    assert.equal(allowed, 20_000);
  });
});
