import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AccessDeniedException,
  GetResourceApiKeyCommand,
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenCommand,
  GetWorkloadAccessTokenForJWTCommand,
} from '@aws-sdk/client-bedrock-agentcore';
import {
  CreateApiKeyCredentialProviderCommand,
  CreatePolicyCommand,
  CreatePolicyEngineCommand,
  CreateWorkloadIdentityCommand,
  DeletePolicyCommand,
  DeletePolicyEngineCommand,
  GetPolicyCommand,
  GetPolicyEngineCommand,
  ListPoliciesCommand,
  ListPolicyEnginesCommand,
  ResourceNotFoundException,
  UpdatePolicyCommand,
  UpdatePolicyEngineCommand,
  ValidationException,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { listAuditEvents } from '../../libs/audit/audit-log';
import { askToken, consentAs, registerAgentAndIdp } from '../helpers/consent-flow';
import { TEST_API_AUDIENCE, type TestIdp } from '../helpers/oidc-idp';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

const RELEASE_TOKEN = 'Mandate::Action::"ReleaseToken"';
const RELEASE_API_KEY = 'Mandate::Action::"ReleaseApiKey"';

describe('Cedar policies decide every release (policy engines on the AgentCore Policy wire)', () => {
  let test: TestStack;
  let idp: TestIdp;
  let engineId: string;
  let userWat: string;

  before(async () => {
    test = await startTestStack(await testStackEnv({ MANDATE_ALLOW_PRIVATE_NETWORK_URLS: 'true' }));
    idp = await registerAgentAndIdp(test);
    await test
      .control()
      .send(new CreateApiKeyCredentialProviderCommand({ name: 'search', apiKey: 'sk-search' }));
    await test.control().send(new CreateWorkloadIdentityCommand({ name: 'other-agent' }));
    ({ wat: userWat } = await consentAs(test, idp, 'alice', ['read']));
  });
  after(async () => {
    await test?.destroy();
    await idp?.stop();
  });

  const control = () => test.control();
  const vaultHit = () => askToken(test, userWat, ['read']);
  const machineToken = async (scopes: string[]) =>
    test.data().send(
      new GetResourceOauth2TokenCommand({
        workloadIdentityToken: (
          await test.data().send(new GetWorkloadAccessTokenCommand({ workloadName: 'agent' }))
        ).workloadAccessToken,
        resourceCredentialProviderName: 'idp',
        scopes,
        oauth2Flow: 'M2M',
      }),
    );
  const apiKey = () =>
    test.data().send(
      new GetResourceApiKeyCommand({
        workloadIdentityToken: userWat,
        resourceCredentialProviderName: 'search',
      }),
    );
  const refused = (call: Promise<unknown>, message: RegExp) =>
    assert.rejects(call, (err: unknown) => err instanceof AccessDeniedException && message.test(err.message));
  const policy = (name: string, statement: string, extra: Record<string, unknown> = {}) =>
    control().send(
      new CreatePolicyCommand({
        policyEngineId: engineId,
        name,
        definition: { cedar: { statement } },
        ...extra,
      }),
    );
  const attach = (body: Record<string, unknown>) =>
    test.extension('AttachPolicyEngine', { policyEngineId: engineId, ...body });

  it('creates, reads, lists and updates a policy engine through the official client', async () => {
    const created = await control().send(
      new CreatePolicyEngineCommand({ name: 'releases', description: 'who gets which token' }),
    );
    engineId = created.policyEngineId!;
    assert.match(engineId, /^releases-[a-z0-9]{10}$/);
    assert.equal(created.status, 'ACTIVE');
    assert.match(created.policyEngineArn!, /:policy-engine\/releases-[a-z0-9]{10}$/);
    assert.ok(created.createdAt instanceof Date);
    assert.equal(
      (await control().send(new GetPolicyEngineCommand({ policyEngineId: engineId }))).name,
      'releases',
    );
    assert.deepEqual(
      (await control().send(new ListPolicyEnginesCommand({}))).policyEngines!.map((e) => e.policyEngineId),
      [engineId],
    );
    const updated = await control().send(
      new UpdatePolicyEngineCommand({
        policyEngineId: engineId,
        description: { optionalValue: 'every release' },
      }),
    );
    assert.equal(updated.description, 'every release');
  });

  it('validates policies against the schema under FAIL_ON_ANY_FINDINGS, and only parses them under IGNORE_ALL_FINDINGS', async () => {
    const unknownAttribute = 'permit(principal, action, resource) when { context.department == "sales" };';
    const err = await policy('strict', unknownAttribute).then(
      () => assert.fail('accepted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ValidationException);
    assert.deepEqual(
      err.fieldList?.map((f) => f.name),
      ['definition.cedar.statement'],
    );
    assert.match(err.message, /attribute `department` in context/);
    const lax = await policy('lax', unknownAttribute, { validationMode: 'IGNORE_ALL_FINDINGS' });
    assert.equal(lax.status, 'ACTIVE');
    await control().send(new DeletePolicyCommand({ policyEngineId: engineId, policyId: lax.policyId }));
    await assert.rejects(policy('broken', 'permit(principal, action'), ValidationException);
    const schema = await test.extension('GetPolicySchema', {});
    assert.match(String(schema.body.cedarSchema), /action ReleaseToken, ReleaseApiKey appliesTo/);
  });

  it('attached to the token vault with no permit, refuses even a vault hit, naming the engine', async () => {
    assert.ok((await vaultHit()).accessToken, 'served before the engine decides');
    assert.equal((await attach({ tokenVault: true })).status, 200);
    await refused(vaultHit(), /No policy of policy engine releases permits this release/);
    await refused(apiKey(), /No policy of policy engine releases permits this release/);
  });

  it('permits per action and workload; a new forbid refuses the next vault hit at once, naming the policy', async () => {
    await policy(
      'agent_tokens',
      `permit(principal == Mandate::Workload::"agent", action == ${RELEASE_TOKEN}, resource);`,
    );
    assert.ok((await vaultHit()).accessToken);
    assert.ok((await machineToken(['read'])).accessToken, 'M2M');
    await refused(apiKey(), /No policy/);
    await policy(
      'agent_keys',
      `permit(principal == Mandate::Workload::"agent", action == ${RELEASE_API_KEY}, resource);`,
    );
    assert.equal((await apiKey()).apiKey, 'sk-search');

    const forbid = await policy(
      'no_write',
      `forbid(principal, action == ${RELEASE_TOKEN}, resource) when { context.scopes.contains("write") };`,
    );
    await refused(machineToken(['write']), /Policy no_write of policy engine releases refuses this release/);
    assert.ok((await machineToken(['read'])).accessToken);
    const readForbid = await control().send(
      new UpdatePolicyCommand({
        policyEngineId: engineId,
        policyId: forbid.policyId,
        definition: {
          cedar: {
            statement: `forbid(principal, action == ${RELEASE_TOKEN}, resource) when { context.scopes.contains("read") };`,
          },
        },
      }),
    );
    assert.equal(readForbid.policyId, forbid.policyId);
    await refused(vaultHit(), /Policy no_write/);
    await control().send(new DeletePolicyCommand({ policyEngineId: engineId, policyId: forbid.policyId }));
    assert.ok((await vaultHit()).accessToken, 'served again once the forbid is gone');
  });

  it('LOG_ONLY never refuses: it records would_deny in the audit log and the metrics; ACTIVE then enforces it', async () => {
    const logOnly = await policy(
      'admin_users',
      `forbid(principal, action, resource) when { context.flow == "USER_FEDERATION" && context has user && context.caller == "admin" };`,
      { enforcementMode: 'LOG_ONLY' },
    );
    assert.equal(logOnly.enforcementMode, 'LOG_ONLY');
    assert.ok((await vaultHit()).accessToken, 'not enforced');
    assert.ok((await vaultHit()).accessToken, 'not enforced, decision cached');
    await test.stack.runtime.audit.flush();
    const wouldDeny = (await listAuditEvents(test.stack.runtime.db, { limit: 5000 })).filter(
      (event) => event.operation === 'EvaluateReleasePolicy' && event.outcome === 'would_deny',
    );
    assert.equal(wouldDeny.length, 2, 'one per release, cached or not');
    assert.deepEqual(wouldDeny[0]!.detail, {
      engine: 'releases',
      policy: 'admin_users',
      flow: 'USER_FEDERATION',
    });
    assert.equal(
      wouldDeny[0]!.userHash,
      test.stack.runtime.userKeys.hash({ kind: 'userId', userId: 'alice' }),
    );
    const metrics = await (await fetch(`${test.stack.apiUrl}/metrics`)).text();
    assert.match(metrics, /mandate_policy_decisions_total\{decision="would_deny",engine="releases"\} 2/);

    await control().send(
      new UpdatePolicyCommand({
        policyEngineId: engineId,
        policyId: logOnly.policyId,
        enforcementMode: 'ACTIVE',
      }),
    );
    await refused(vaultHit(), /Policy admin_users/);
    assert.ok((await machineToken(['read'])).accessToken, 'M2M has no user: not refused');
    assert.equal(
      (await control().send(new GetPolicyCommand({ policyEngineId: engineId, policyId: logOnly.policyId })))
        .enforcementMode,
      'ACTIVE',
    );
    await control().send(new DeletePolicyCommand({ policyEngineId: engineId, policyId: logOnly.policyId }));
  });

  it('attached to other workload identities only, does not decide this one; deleted, decides nothing', async () => {
    await attach({ tokenVault: false, workloadIdentityNames: ['other-agent'] });
    const policies = (await control().send(new ListPoliciesCommand({ policyEngineId: engineId }))).policies!;
    await Promise.all(
      policies.map((p) =>
        control().send(new DeletePolicyCommand({ policyEngineId: engineId, policyId: p.policyId })),
      ),
    );
    assert.ok((await vaultHit()).accessToken, 'agent is not decided by an engine of other-agent');
    await attach({ workloadIdentityNames: ['agent'] });
    await refused(vaultHit(), /No policy of policy engine releases/);
    const badName = await attach({ workloadIdentityNames: ['no-such-agent'] });
    assert.equal(badName.type, 'ValidationException');
    await control().send(new DeletePolicyEngineCommand({ policyEngineId: engineId }));
    await assert.rejects(
      control().send(new GetPolicyEngineCommand({ policyEngineId: engineId })),
      ResourceNotFoundException,
    );
    assert.ok((await vaultHit()).accessToken);
  });

  it("decides on a JWT user's verified groups claim", async () => {
    const put = await test.extension('PutWorkloadIdentityAuthorizer', {
      name: 'other-agent',
      authorizerConfiguration: {
        customJWTAuthorizer: { discoveryUrl: idp.discoveryUrl, allowedAudience: [TEST_API_AUDIENCE] },
      },
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const engine = await control().send(new CreatePolicyEngineCommand({ name: 'groups' }));
    engineId = engine.policyEngineId!;
    await attach({ workloadIdentityNames: ['other-agent'] });
    await policy(
      'sales_only',
      `permit(principal, action == ${RELEASE_API_KEY}, resource) when { context has user && context.user.groups.contains("sales") };`,
    );
    const keyFor = async (user: string) => {
      const { accessToken } = await idp.login(user);
      const wat = await test
        .data()
        .send(
          new GetWorkloadAccessTokenForJWTCommand({ workloadName: 'other-agent', userToken: accessToken }),
        );
      return test.data().send(
        new GetResourceApiKeyCommand({
          workloadIdentityToken: wat.workloadAccessToken,
          resourceCredentialProviderName: 'search',
        }),
      );
    };
    assert.equal((await keyFor('alice')).apiKey, 'sk-search', 'alice is in sales');
    await refused(keyFor('bob'), /No policy of policy engine groups/);
    await control().send(new DeletePolicyEngineCommand({ policyEngineId: engineId }));
  });
});
