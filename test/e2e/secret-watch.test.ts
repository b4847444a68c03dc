import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  GetResourceApiKeyCommand,
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenCommand,
  type BedrockAgentCoreClient,
} from '@aws-sdk/client-bedrock-agentcore';
import {
  CreateApiKeyCredentialProviderCommand,
  CreateWorkloadIdentityCommand,
  DeleteApiKeyCredentialProviderCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { awsClientOptions } from '../../libs/aws/clients';
import { secretWatchStatusQuery, secretWatchWorkflowId } from '../../workflows/secret-watch/definitions';
import { startTestIdp, type TestIdp } from '../helpers/oidc-idp';
import { createIdpProvider } from '../helpers/consent-flow';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

describe('secret watch: a rotated external secret reaches every cache before its TTL', () => {
  let test: TestStack;
  let idp: TestIdp;
  let data: BedrockAgentCoreClient;
  let secrets: SecretsManagerClient;
  let wat: string;

  const apiKey = async (provider: string) =>
    (
      await data.send(
        new GetResourceApiKeyCommand({
          workloadIdentityToken: wat,
          resourceCredentialProviderName: provider,
        }),
      )
    ).apiKey;

  before(async () => {
    idp = await startTestIdp();
    // A cache that would hold a stale value for an hour: only the watch can explain a fresh one.
    test = await startTestStack(
      await testStackEnv({
        MANDATE_ALLOW_PRIVATE_NETWORK_URLS: 'true',
        MANDATE_SECRET_CACHE_TTL_SECONDS: '3600',
        MANDATE_SECRET_WATCH_INTERVAL_SECONDS: '1',
      }),
    );
    secrets = new SecretsManagerClient(awsClientOptions(test.stack.config.aws));
    await test.control().send(new CreateWorkloadIdentityCommand({ name: 'agent' }));
    data = test.data();
    wat = (await data.send(new GetWorkloadAccessTokenCommand({ workloadName: 'agent' })))
      .workloadAccessToken!;
  });
  after(async () => {
    await test?.destroy();
    await idp?.stop();
  });

  it('serves a rotated API key within seconds, records the rotation, and ends when no provider uses it', async () => {
    const arn = (
      await secrets.send(
        new CreateSecretCommand({ Name: 'customer/tool-key', SecretString: JSON.stringify({ key: 'v1' }) }),
      )
    ).ARN!;
    await test.control().send(
      new CreateApiKeyCredentialProviderCommand({
        name: 'tool',
        apiKeySecretSource: 'EXTERNAL',
        apiKeySecretConfig: { secretId: arn, jsonKey: 'key' },
      } as never),
    );
    assert.equal(await apiKey('tool'), 'v1');
    await sleep(1500); // the watch has seen v1

    await secrets.send(
      new PutSecretValueCommand({ SecretId: arn, SecretString: JSON.stringify({ key: 'v2' }) }),
    );
    const rotatedAt = performance.now();
    let served = await apiKey('tool');
    while (served !== 'v2' && performance.now() - rotatedAt < 10_000) {
      await sleep(100);
      served = await apiKey('tool');
    }
    const staleMs = performance.now() - rotatedAt;
    process.stdout.write(
      `# rotated API key served after ${staleMs.toFixed(0)} ms (cache TTL 3600 s, watch 1 s)\n`,
    );
    assert.equal(served, 'v2');

    const handle = test.stack.runtime.temporal.workflow.getHandle(secretWatchWorkflowId(arn));
    assert.ok((await handle.query(secretWatchStatusQuery)).rotations >= 1);
    const events = (await test.extension('ListAuditEvents', { maxResults: 1000 })).body.events as {
      operation: string;
      resource?: string;
    }[];
    assert.ok(events.some((e) => e.operation === 'SecretWatch.Rotated' && e.resource === arn));

    await test.control().send(new DeleteApiKeyCredentialProviderCommand({ name: 'tool' }));
    const ended: unknown = await Promise.race([
      handle.result().then(() => true),
      sleep(10_000).then(() => false),
    ]);
    assert.equal(ended, true, 'the watch ended once no provider used the secret');
  });

  it('rotates an OAuth client secret in the middle of traffic: every request succeeds, at most one retry each', async () => {
    const arn = (
      await secrets.send(
        new CreateSecretCommand({
          Name: 'customer/idp-client',
          SecretString: JSON.stringify({ secret: idp.clientSecret }),
        }),
      )
    ).ARN!;
    await createIdpProvider(test, idp, 'idp', {
      clientSecretSource: 'EXTERNAL',
      clientSecretConfig: { secretId: arn, jsonKey: 'secret' },
    });
    // Each distinct audience is a new M2M connection, so every request below is a new grant.
    let audience = 0;
    const grant = () =>
      data.send(
        new GetResourceOauth2TokenCommand({
          workloadIdentityToken: wat,
          resourceCredentialProviderName: 'idp',
          scopes: ['read'],
          oauth2Flow: 'M2M',
          audiences: [`https://api-${(audience += 1)}.example`],
        }),
      );
    const invalidClient = () => idp.grants.get('error:invalid_client') ?? 0;
    const grants = () => idp.grants.get('client_credentials:success') ?? 0;

    for (let i = 0; i < 3; i += 1) assert.ok((await grant()).accessToken);
    const next = await idp.rotateClientSecret();
    await secrets.send(
      new PutSecretValueCommand({ SecretId: arn, SecretString: JSON.stringify({ secret: next }) }),
    );

    const before = { invalid: invalidClient(), grants: grants() };
    const answers = await Promise.all(Array.from({ length: 5 }, () => grant()));
    assert.ok(
      answers.every((a) => a.accessToken),
      'no request failed',
    );
    const retries = invalidClient() - before.invalid;
    assert.ok(retries <= answers.length, `at most one retry per request (${retries} for ${answers.length})`);
    assert.equal(grants() - before.grants, answers.length);

    // The retry happens inside the activity (secret re-read at once), not as a Temporal retry seconds later.
    const { workflow } = test.stack.runtime.temporal;
    for await (const execution of workflow.list({
      query: "MandateFlow = 'M2M' AND MandateProviderName = 'idp'",
    })) {
      const history = await workflow.getHandle(execution.workflowId).fetchHistory();
      const attempts = (history.events ?? []).flatMap((e) =>
        e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 1] : [],
      );
      assert.ok(
        attempts.every((a) => a === 1),
        `${execution.workflowId}: activity attempts ${attempts.join(',')}`,
      );
    }

    await sleep(2500); // the watch has seen the new version; every cache has dropped the old one
    const settled = invalidClient();
    for (let i = 0; i < 3; i += 1) assert.ok((await grant()).accessToken);
    assert.equal(invalidClient(), settled, 'no invalid_client once the watch has noticed the rotation');
    process.stdout.write(
      `# client secret rotation: ${retries} invalid_client answers for ${answers.length} grants made before the watch noticed, 0 after\n`,
    );
  });
});
