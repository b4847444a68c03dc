import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TtlCache } from '../cache/ttl-cache';
import { principalArn } from '../wire/arn';
import { AccessDeniedException } from '../wire/errors';
import { compilePolicy, type CompiledPolicy } from './iam-policy';
import { KNOWN_OPERATIONS } from './operations';
import { AccessPolicy } from './policy';
import type { ResourcePoliciesRepository } from './resource-policies.repository';
import type { Principal } from './sigv4.verifier';

const DEPLOYMENT = { partition: 'aws', region: 'us-east-1', accountId: '123456789012' };
const WORKLOAD =
  'arn:aws:bedrock-agentcore:us-east-1:123456789012:workload-identity-directory/default/workload-identity/agent';

const identity = (resource: string | string[]) =>
  compilePolicy(
    {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'bedrock-agentcore:GetResourceApiKey',
          Resource: resource,
          Condition: { StringEquals: { 'bedrock-agentcore:UserId': 'alice' } },
        },
      ],
    },
    KNOWN_OPERATIONS,
  );

/** Resource policies as the repository serves them: from a cache, loaded from `stored`. */
function resourcePolicies() {
  const stored = new Map<string, CompiledPolicy>();
  const cache = new TtlCache<string, CompiledPolicy | undefined>({ ttlMs: 60_000, maxEntries: 100 });
  let loads = 0;
  const repository = {
    compiled: (arn: string) =>
      cache.get(arn, () => {
        loads += 1;
        return Promise.resolve(stored.get(arn));
      }),
    compiledIfCached: (arn: string) => {
      const cached = cache.peek(arn);
      return cached && { policy: cached.value };
    },
  } satisfies Pick<ResourcePoliciesRepository, 'compiled' | 'compiledIfCached'>;
  return {
    repository,
    loads: () => loads,
    attach(arn: string, statement: Record<string, unknown>) {
      stored.set(
        arn,
        compilePolicy({ Version: '2012-10-17', Statement: [statement] }, KNOWN_OPERATIONS, {
          kind: 'resource',
          accountId: DEPLOYMENT.accountId,
        }),
      );
      cache.delete(arn);
    },
  };
}

const refused = (promise: Promise<void>) => assert.rejects(promise, AccessDeniedException);

describe('AccessPolicy: a decision made once is reused, and never past a change', () => {
  it('reuses an allow for the same request, and decides afresh on any other part of it', async () => {
    const policies = resourcePolicies();
    const access = new AccessPolicy(DEPLOYMENT, policies.repository);
    const agent: Principal = { accessKeyId: 'AKIA1', name: 'agent', policy: identity('*'), tags: {} };
    const alice = { 'bedrock-agentcore:UserId': 'alice' };
    await access.authorize(agent, 'GetResourceApiKey', [WORKLOAD], alice);
    await access.authorize(agent, 'GetResourceApiKey', [WORKLOAD], alice);
    assert.equal(policies.loads(), 1, 'the resource policy lookup is served from the cache');
    await refused(
      access.authorize(agent, 'GetResourceApiKey', [WORKLOAD], { 'bedrock-agentcore:UserId': 'bob' }),
    );
    await refused(access.authorize(agent, 'GetResourceOauth2Token', [WORKLOAD], alice));
    // A changed principal compiles a new policy: the earlier allow does not carry over.
    const narrowed = { ...agent, policy: identity('arn:aws:bedrock-agentcore:*:*:token-vault/*') };
    await refused(access.authorize(narrowed, 'GetResourceApiKey', [WORKLOAD], alice));
  });

  it('does not let one resource name holding a separator pass for the two it spells', async () => {
    const access = new AccessPolicy(DEPLOYMENT, resourcePolicies().repository);
    const other = `${WORKLOAD}-2`;
    const agent: Principal = {
      accessKeyId: 'AKIA2',
      name: 'agent',
      policy: identity([WORKLOAD, other]),
      tags: {},
    };
    const alice = { 'bedrock-agentcore:UserId': 'alice' };
    await access.authorize(agent, 'GetResourceApiKey', [WORKLOAD, other], alice);
    for (const separator of ['\n', ',', '\u0000', '","'])
      await refused(access.authorize(agent, 'GetResourceApiKey', [`${WORKLOAD}${separator}${other}`], alice));
  });

  it('honours a resource policy attached after an allow on the very next call', async () => {
    const policies = resourcePolicies();
    const access = new AccessPolicy(DEPLOYMENT, policies.repository);
    const agent: Principal = { accessKeyId: 'AKIA3', name: 'agent', policy: identity('*'), tags: {} };
    const alice = { 'bedrock-agentcore:UserId': 'alice' };
    await access.authorize(agent, 'GetResourceApiKey', [WORKLOAD], alice);
    policies.attach(WORKLOAD, {
      Effect: 'Deny',
      Principal: { AWS: principalArn(DEPLOYMENT, 'agent') },
      Action: 'bedrock-agentcore:GetResourceApiKey',
      Resource: '*',
    });
    await refused(access.authorize(agent, 'GetResourceApiKey', [WORKLOAD], alice));
    await refused(access.authorize(agent, 'GetResourceApiKey', [WORKLOAD], alice));
  });
});
