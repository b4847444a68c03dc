import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AccessDeniedException,
  GetResourceApiKeyCommand,
  GetWorkloadAccessTokenForUserIdCommand,
} from '@aws-sdk/client-bedrock-agentcore';
import {
  AccessDeniedException as ControlAccessDenied,
  CreateApiKeyCredentialProviderCommand,
  CreateWorkloadIdentityCommand,
  GetApiKeyCredentialProviderCommand,
  ListWorkloadIdentitiesCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { rejects } from '../helpers/assert';
import { allow, createPrincipal, providerArnPattern, workloadArnPattern } from '../helpers/principals';
import { signedFetch } from '../helpers/signed-fetch';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

type Credentials = { accessKeyId: string; secretAccessKey: string };

describe('principals with IAM policies and rotating access keys', () => {
  let test: TestStack;

  /** An extension operation signed with `credentials`: status, error type and body. */
  const call = async (credentials: Credentials, operation: string, body: unknown) => {
    const response = await signedFetch({
      url: test.stack.apiUrl,
      path: `/identities/${operation}`,
      body: JSON.stringify(body),
      credentials,
      region: test.stack.config.deployment.region,
    });
    const text = await response.text();
    return {
      status: response.status,
      type: response.headers.get('x-amzn-errortype'),
      body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
    };
  };
  const watFor = async (credentials: Credentials, workloadName: string, userId: string) =>
    (await test.data(credentials).send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName, userId })))
      .workloadAccessToken!;
  const apiKey = (credentials: Credentials, wat: string, provider: string) =>
    test.data(credentials).send(
      new GetResourceApiKeyCommand({
        workloadIdentityToken: wat,
        resourceCredentialProviderName: provider,
      }),
    );

  before(async () => {
    test = await startTestStack(await testStackEnv(), { worker: false });
    const control = test.control();
    for (const name of ['agent-a', 'agent-b'])
      await control.send(new CreateWorkloadIdentityCommand({ name }));
    for (const name of ['key-p', 'key-q'])
      await control.send(new CreateApiKeyCredentialProviderCommand({ name, apiKey: `secret-of-${name}` }));
  });
  after(() => test?.destroy());

  it('isolates a least-privilege agent: its workload and provider only, no control plane, no escalation', async () => {
    const agent = await createPrincipal(test, 'agent-a-caller', {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: [
            'bedrock-agentcore:GetWorkloadAccessTokenForUserId',
            'bedrock-agentcore:GetResourceApiKey',
          ],
          Resource: [workloadArnPattern('agent-a'), providerArnPattern('apikey', 'key-p')],
        },
      ],
    });
    const wat = await watFor(agent, 'agent-a', 'alice');
    assert.equal((await apiKey(agent, wat, 'key-p')).apiKey, 'secret-of-key-p');

    await rejects(watFor(agent, 'agent-b', 'alice'), AccessDeniedException);
    const otherProvider = await rejects(apiKey(agent, wat, 'key-q'), AccessDeniedException);
    assert.match(otherProvider.message, /GetResourceApiKey on resource .*apikeycredentialprovider\/key-q/);
    const watOfB = await watFor(test.adminCredentials(), 'agent-b', 'alice');
    await rejects(apiKey(agent, watOfB, 'key-p'), AccessDeniedException);

    const control = test.control(agent);
    await rejects(control.send(new CreateWorkloadIdentityCommand({ name: 'agent-c' })), ControlAccessDenied);
    await rejects(control.send(new ListWorkloadIdentitiesCommand({})), ControlAccessDenied);
    await rejects(
      control.send(new GetApiKeyCredentialProviderCommand({ name: 'key-p' })),
      ControlAccessDenied,
    );
    for (const [operation, body] of [
      ['UpdatePrincipal', { name: 'agent-a-caller', policyDocument: allow(['*']) }],
      ['CreatePrincipalAccessKey', { name: 'agent-a-caller' }],
      ['CreatePrincipalAccessKey', { name: 'admin' }],
      ['CreatePrincipal', { name: 'escalated', policyDocument: allow(['*']) }],
      ['ListPrincipals', {}],
    ] as const) {
      const refused = await call(agent, operation, body);
      assert.equal(refused.type, 'AccessDeniedException', `${operation} ${JSON.stringify(body)}`);
    }
    const still = await call(test.adminCredentials(), 'GetPrincipal', { name: 'agent-a-caller' });
    assert.deepEqual(
      (still.body.policyDocument as { Statement: unknown[] }).Statement.length,
      1,
      'its policy is unchanged',
    );
  });

  it('lets an explicit deny win, and honours NotAction, NotResource and conditions', async () => {
    const denied = await createPrincipal(test, 'all-but-q', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        {
          Sid: 'NoQ',
          Effect: 'Deny',
          Action: 'bedrock-agentcore:GetResourceApiKey',
          Resource: providerArnPattern('apikey', 'key-q'),
        },
      ],
    });
    const wat = await watFor(denied, 'agent-a', 'alice');
    assert.equal((await apiKey(denied, wat, 'key-p')).apiKey, 'secret-of-key-p');
    const refused = await rejects(apiKey(denied, wat, 'key-q'), AccessDeniedException);
    assert.match(refused.message, /explicit deny in Statement\[1\] \(NoQ\)/);

    const noPrincipals = await createPrincipal(test, 'no-principal-admin', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', NotAction: 'bedrock-agentcore:*Principal*', Resource: '*' }],
    });
    assert.ok(
      (await test.control(noPrincipals).send(new ListWorkloadIdentitiesCommand({}))).workloadIdentities,
    );
    assert.equal((await call(noPrincipals, 'ListPrincipals', {})).type, 'AccessDeniedException');

    const notB = await createPrincipal(test, 'not-b', {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'bedrock-agentcore:GetWorkloadAccessTokenForUserId',
          NotResource: workloadArnPattern('agent-b'),
        },
      ],
    });
    await watFor(notB, 'agent-a', 'alice');
    await rejects(watFor(notB, 'agent-b', 'alice'), AccessDeniedException);

    const salesOnly = await createPrincipal(test, 'sales-minter', {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'bedrock-agentcore:GetWorkloadAccessTokenForUserId',
          Resource: '*',
          Condition: { StringLike: { 'bedrock-agentcore:UserId': 'sales-*' } },
        },
      ],
    });
    await watFor(salesOnly, 'agent-a', 'sales-alice');
    await rejects(watFor(salesOnly, 'agent-a', 'bob'), AccessDeniedException);
  });

  it('rotates keys: two at once, never a third, a deleted key refused at once, no secret listed', async () => {
    const first = await createPrincipal(test, 'rotating', allow(['ListWorkloadIdentities']));
    const admin = test.adminCredentials();
    const second = await call(admin, 'CreatePrincipalAccessKey', { name: 'rotating' });
    assert.equal(second.status, 201);
    const secondKey = second.body as unknown as Credentials;
    for (const credentials of [first, secondKey])
      await test.control(credentials).send(new ListWorkloadIdentitiesCommand({}));
    const third = await call(admin, 'CreatePrincipalAccessKey', { name: 'rotating' });
    assert.equal(third.type, 'ConflictException');

    const listed = await call(admin, 'ListPrincipalAccessKeys', { name: 'rotating' });
    const keys = listed.body.accessKeys as Record<string, unknown>[];
    assert.deepEqual(
      keys.map((k) => k.accessKeyId).sort(),
      [first.accessKeyId, secondKey.accessKeyId].sort(),
    );
    assert.ok(!JSON.stringify(listed.body).includes(first.secretAccessKey), 'no secret is listed');

    const deleted = await call(admin, 'DeletePrincipalAccessKey', {
      name: 'rotating',
      accessKeyId: first.accessKeyId,
    });
    assert.equal(deleted.status, 204);
    const refused = await test
      .control(first)
      .send(new ListWorkloadIdentitiesCommand({}))
      .then(
        () => undefined,
        (err: Error) => err,
      );
    assert.equal(refused?.name, 'UnrecognizedClientException');
    await test.control(secondKey).send(new ListWorkloadIdentitiesCommand({}));
  });

  it('refuses a change that would leave no principal able to manage principals', async () => {
    const admin = test.adminCredentials();
    // The one other principal so far that may manage principals goes first.
    assert.equal((await call(admin, 'DeletePrincipal', { name: 'all-but-q' })).status, 204);
    const narrowed = await call(admin, 'UpdatePrincipal', {
      name: 'admin',
      policyDocument: allow(['ListWorkloadIdentities']),
    });
    assert.equal(narrowed.type, 'ConflictException', JSON.stringify(narrowed.body));
    assert.equal((await call(admin, 'DeletePrincipal', { name: 'admin' })).type, 'ConflictException');

    const operator = await createPrincipal(test, 'operator', allow(['*']));
    const now = await call(admin, 'UpdatePrincipal', {
      name: 'admin',
      policyDocument: allow(['ListWorkloadIdentities']),
    });
    assert.equal(now.status, 200, JSON.stringify(now.body));
    assert.equal((await call(admin, 'ListPrincipals', {})).type, 'AccessDeniedException', 'admin narrowed');
    const restored = await call(operator, 'UpdatePrincipal', { name: 'admin', policyDocument: allow(['*']) });
    assert.equal(restored.status, 200);
  });

  it('refuses bad policy documents with ValidationException naming the statement and the problem', async () => {
    const admin = test.adminCredentials();
    for (const [policyDocument, expected] of [
      ['{not json', /policyDocument: policyDocument: is not valid JSON/],
      [
        { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] },
        /Statement\[0\]: action s3:GetObject must start with bedrock-agentcore:/,
      ],
      [
        {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'bedrock-agentcore:StealTokens', Resource: '*' }],
        },
        /is not an operation Mandate serves/,
      ],
      [
        {
          Version: '2012-10-17',
          Statement: [{ Sid: 'Bad', Effect: 'Allow', Action: '*', Resource: 'agent-a' }],
        },
        /Statement\[0\] \(Bad\): resource agent-a is not an ARN/,
      ],
      [
        { Version: '2012-10-17', Statement: [{ Effect: 'Maybe', Action: '*', Resource: '*' }] },
        /Effect must be Allow or Deny/,
      ],
      [
        {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Principal: '*' }],
        },
        /Principal belongs in resource policies/,
      ],
      [allow(Array.from({ length: 400 }, () => 'GetWorkloadIdentity')), /at most 6144 characters/],
    ] as const) {
      const refused = await call(admin, 'CreatePrincipal', { name: 'bad-policy', policyDocument });
      assert.equal(refused.type, 'ValidationException', JSON.stringify(policyDocument).slice(0, 80));
      assert.deepEqual(
        (refused.body.fieldList as { name: string }[]).map((f) => f.name),
        ['policyDocument'],
      );
      assert.match(String(refused.body.message), expected);
    }
    assert.equal(
      (await call(admin, 'GetPrincipal', { name: 'bad-policy' })).type,
      'ResourceNotFoundException',
    );
  });

  it('records every principal and key change in the audit log, naming the caller', async () => {
    await test.stack.runtime.audit.flush();
    const events = (await test.extension('ListAuditEvents', { maxResults: 1000 })).body.events as {
      actor: string;
      operation: string;
      resource?: string;
      outcome: string;
    }[];
    const created = events.find((e) => e.operation === 'CreatePrincipal' && e.resource === 'rotating');
    assert.ok(created, JSON.stringify(events.filter((e) => e.operation === 'CreatePrincipal')));
    assert.deepEqual(created && { actor: created.actor, outcome: created.outcome }, {
      actor: 'principal:admin',
      outcome: 'Success',
    });
    assert.ok(events.some((e) => e.operation === 'DeletePrincipalAccessKey' && e.outcome === 'Success'));
    assert.ok(
      events.some((e) => e.actor === 'principal:agent-a-caller' && e.outcome === 'AccessDeniedException'),
    );
  });
});
