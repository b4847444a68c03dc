import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AccessDeniedException,
  GetResourceApiKeyCommand,
  GetWorkloadAccessTokenForUserIdCommand,
} from '@aws-sdk/client-bedrock-agentcore';
import {
  CreateApiKeyCredentialProviderCommand,
  CreateWorkloadIdentityCommand,
  DeleteApiKeyCredentialProviderCommand,
  DeleteResourcePolicyCommand,
  GetResourcePolicyCommand,
  PutResourcePolicyCommand,
  ResourceNotFoundException,
  ValidationException,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { credentialProviderArn, principalArn, workloadIdentityArn } from '../../libs/wire/arn';
import { rejects } from '../helpers/assert';
import { allow, createPrincipal } from '../helpers/principals';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

type Credentials = { accessKeyId: string; secretAccessKey: string };

describe('resource policies on workload identities and credential providers', () => {
  let test: TestStack;
  let caller: Credentials;
  const arns = () => {
    const d = test.stack.config.deployment;
    return {
      workload: workloadIdentityArn(d, 'shared-agent'),
      provider: credentialProviderArn(d, 'apikey', 'shared-key'),
      caller: principalArn(d, 'rp-caller'),
    };
  };
  const policy = (statement: Record<string, unknown>) =>
    JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
  const apiKey = async () => {
    const wat = (
      await test
        .data(caller)
        .send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName: 'shared-agent', userId: 'u1' }))
    ).workloadAccessToken!;
    return test.data(caller).send(
      new GetResourceApiKeyCommand({
        workloadIdentityToken: wat,
        resourceCredentialProviderName: 'shared-key',
      }),
    );
  };

  before(async () => {
    test = await startTestStack(await testStackEnv(), { worker: false });
    await test.control().send(new CreateWorkloadIdentityCommand({ name: 'shared-agent' }));
    await test
      .control()
      .send(new CreateApiKeyCredentialProviderCommand({ name: 'shared-key', apiKey: 'the-shared-key' }));
    // Its own policy allows the user token on the workload, nothing on the provider.
    caller = await createPrincipal(
      test,
      'rp-caller',
      allow(['GetWorkloadAccessTokenForUserId', 'GetResourceApiKey'], [arns().workload]),
    );
  });
  after(() => test?.destroy());

  it('grants through the resource policy what the identity policy does not, and a deny in it wins', async () => {
    const { provider, caller: me } = arns();
    await rejects(apiKey(), AccessDeniedException);

    const put = await test.control().send(
      new PutResourcePolicyCommand({
        resourceArn: provider,
        policy: policy({
          Effect: 'Allow',
          Principal: { AWS: me },
          Action: 'bedrock-agentcore:GetResourceApiKey',
          Resource: '*',
        }),
      }),
    );
    assert.match(put.policy!, /GetResourceApiKey/);
    assert.equal((await apiKey()).apiKey, 'the-shared-key');
    const read = await test.control().send(new GetResourcePolicyCommand({ resourceArn: provider }));
    assert.deepEqual(JSON.parse(read.policy!), JSON.parse(put.policy!));

    // Another principal named in the policy: this caller gains nothing.
    await test.control().send(
      new PutResourcePolicyCommand({
        resourceArn: provider,
        policy: policy({
          Effect: 'Allow',
          Principal: { AWS: principalArn(test.stack.config.deployment, 'someone-else') },
          Action: 'bedrock-agentcore:GetResourceApiKey',
          Resource: '*',
        }),
      }),
    );
    await rejects(apiKey(), AccessDeniedException);

    // A deny on the workload in its resource policy overrides the caller's own allow.
    await test.control().send(
      new PutResourcePolicyCommand({
        resourceArn: arns().workload,
        policy: policy({ Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' }),
      }),
    );
    const denied = await rejects(
      test
        .data(caller)
        .send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName: 'shared-agent', userId: 'u1' })),
      AccessDeniedException,
    );
    assert.match(denied.message, /explicit deny/);
    // The operators still manage the policy itself (their own policies decide that, not this one).
    await test.control().send(new GetResourcePolicyCommand({ resourceArn: arns().workload }));
    await test.control().send(new DeleteResourcePolicyCommand({ resourceArn: arns().workload }));
    await rejects(
      test.control().send(new GetResourcePolicyCommand({ resourceArn: arns().workload })),
      ResourceNotFoundException,
    );
    await test
      .data(caller)
      .send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName: 'shared-agent', userId: 'u1' }));
  });

  it('refuses bad documents naming the statement, and resources that do not exist', async () => {
    const { provider } = arns();
    const cases: [string, RegExp][] = [
      ['{"Version":', /policy.*not valid JSON/],
      [policy({ Effect: 'Allow', Action: '*', Resource: '*' }), /Statement\[0\].*must name its Principal/],
      [
        policy({ Effect: 'Allow', NotPrincipal: '*', Action: '*', Resource: '*' }),
        /NotPrincipal is not supported/,
      ],
      [
        policy({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::1:user/x' }, Action: '*', Resource: '*' }),
        /is not a principal ARN/,
      ],
      [
        policy({ Effect: 'Allow', Principal: { Service: 'x' }, Action: '*', Resource: '*' }),
        /Service is not supported/,
      ],
      [
        policy({ Effect: 'Allow', Principal: '*', Action: 'bedrock-agentcore:Nope', Resource: '*' }),
        /not an operation/,
      ],
      // Escaped inside the JSON text, where the body parser cannot see it: the database could not store it.
      [
        policy({ Effect: 'Allow', Principal: '*', Action: '*', Resource: 'arn:aws:x:y:z:a\u0000b' }),
        /policy: Statement\.0\.Resource must be well-formed Unicode text without NUL/,
      ],
    ];
    for (const [text, message] of cases) {
      const err = await rejects(
        test.control().send(new PutResourcePolicyCommand({ resourceArn: provider, policy: text })),
        ValidationException,
      );
      assert.match(err.message, message);
    }
    await rejects(
      test.control().send(
        new PutResourcePolicyCommand({
          resourceArn: credentialProviderArn(test.stack.config.deployment, 'apikey', 'no-such-provider'),
          policy: policy({ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }),
        }),
      ),
      ResourceNotFoundException,
    );
  });

  it('is deleted with its resource: a provider made again under the name starts without it', async () => {
    const control = test.control();
    await control.send(new CreateApiKeyCredentialProviderCommand({ name: 'short-lived', apiKey: 'k1' }));
    const arn = credentialProviderArn(test.stack.config.deployment, 'apikey', 'short-lived');
    await control.send(
      new PutResourcePolicyCommand({
        resourceArn: arn,
        policy: policy({ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }),
      }),
    );
    await control.send(new DeleteApiKeyCredentialProviderCommand({ name: 'short-lived' }));
    await control.send(new CreateApiKeyCredentialProviderCommand({ name: 'short-lived', apiKey: 'k2' }));
    await rejects(
      control.send(new GetResourcePolicyCommand({ resourceArn: arn })),
      ResourceNotFoundException,
    );
  });
});
