import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetResourceApiKeyCommand, GetWorkloadAccessTokenCommand } from '@aws-sdk/client-bedrock-agentcore';
import {
  ConflictException,
  CreateApiKeyCredentialProviderCommand,
  CreateWorkloadIdentityCommand,
  DeleteApiKeyCredentialProviderCommand,
  GetApiKeyCredentialProviderCommand,
  ListApiKeyCredentialProvidersCommand,
  ResourceNotFoundException,
  UpdateApiKeyCredentialProviderCommand,
  ValidationException,
  type BedrockAgentCoreControlClient,
} from '@aws-sdk/client-bedrock-agentcore-control';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { awsClientOptions } from '../../libs/aws/clients';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';
import { rejects } from '../helpers/assert';
import { allow, createPrincipal, providerArnPattern, workloadArnPattern } from '../helpers/principals';

const CACHE_TTL_SECONDS = 1;

describe('API key credential providers with Secrets Manager', () => {
  let test: TestStack;
  let control: BedrockAgentCoreControlClient;
  let secrets: SecretsManagerClient;
  let wat: string;

  const apiKeyOf = async (provider: string) =>
    (
      await test.data().send(
        new GetResourceApiKeyCommand({
          workloadIdentityToken: wat,
          resourceCredentialProviderName: provider,
        }),
      )
    ).apiKey;
  const externalSecret = async (name: string, value: string) =>
    (await secrets.send(new CreateSecretCommand({ Name: name, SecretString: value }))).ARN!;
  const countSecrets = async () =>
    (await secrets.send(new ListSecretsCommand({ MaxResults: 100 }))).SecretList!.length;

  before(async () => {
    test = await startTestStack(
      await testStackEnv({ MANDATE_SECRET_CACHE_TTL_SECONDS: String(CACHE_TTL_SECONDS) }),
    );
    control = test.control();
    secrets = new SecretsManagerClient(awsClientOptions(test.stack.config.aws));
    await control.send(new CreateWorkloadIdentityCommand({ name: 'tool-agent' }));
    wat = (await test.data().send(new GetWorkloadAccessTokenCommand({ workloadName: 'tool-agent' })))
      .workloadAccessToken!;
  });
  after(async () => {
    await test?.destroy();
  });

  it('keeps a MANAGED key in a secret Mandate creates, updates and deletes', async () => {
    const created = await control.send(
      new CreateApiKeyCredentialProviderCommand({ name: 'openai', apiKey: 'sk-managed-1' }),
    );
    assert.equal(created.$metadata.httpStatusCode, 201);
    assert.equal(created.apiKeySecretSource, 'MANAGED');
    assert.equal(
      created.credentialProviderArn,
      'arn:aws:acps:us-east-1:000000000000:token-vault/default/apikeycredentialprovider/openai',
    );
    const secretArn = created.apiKeySecretArn!.secretArn!;
    assert.match(
      secretArn,
      /^arn:aws:secretsmanager:us-east-1:000000000000:secret:mandate\/apikey\/openai\//,
    );
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: secretArn }));
    assert.ok(described.Tags?.some((t) => t.Key === 'mandate:managed-by' && t.Value === 'mandate'));

    assert.equal(await apiKeyOf('openai'), 'sk-managed-1');
    await control.send(new UpdateApiKeyCredentialProviderCommand({ name: 'openai', apiKey: 'sk-managed-2' }));
    assert.equal(await apiKeyOf('openai'), 'sk-managed-2', 'an update through Mandate is served at once');

    const got = await control.send(new GetApiKeyCredentialProviderCommand({ name: 'openai' }));
    assert.equal(got.apiKeySecretArn?.secretArn, secretArn);
    assert.ok(got.lastUpdatedTime! >= got.createdTime!);
    assert.ok(!JSON.stringify(got).includes('sk-managed'), 'the key is never echoed');
    const listed = await control.send(new ListApiKeyCredentialProvidersCommand({}));
    assert.ok(listed.credentialProviders!.some((p) => p.name === 'openai'));

    await control.send(new DeleteApiKeyCredentialProviderCommand({ name: 'openai' }));
    const afterDelete = await secrets.send(new DescribeSecretCommand({ SecretId: secretArn }));
    assert.ok(afterDelete.DeletedDate, 'the managed secret is scheduled for deletion');
    await rejects(
      control.send(new GetApiKeyCredentialProviderCommand({ name: 'openai' })),
      ResourceNotFoundException,
    );
  });

  it('reads an EXTERNAL secret at use, follows its rotation, and never modifies or deletes it', async () => {
    const arn = await externalSecret('customer/weather', JSON.stringify({ key: 'weather-v1', other: 'x' }));
    const created = await control.send(
      new CreateApiKeyCredentialProviderCommand({
        name: 'weather',
        apiKeySecretSource: 'EXTERNAL',
        apiKeySecretConfig: { secretId: arn, jsonKey: 'key' },
      }),
    );
    assert.equal(created.apiKeySecretSource, 'EXTERNAL');
    assert.equal(created.apiKeySecretArn?.secretArn, arn);
    assert.equal(await apiKeyOf('weather'), 'weather-v1');

    await secrets.send(
      new PutSecretValueCommand({ SecretId: arn, SecretString: JSON.stringify({ key: 'weather-v2' }) }),
    );
    const rotatedAt = Date.now();
    // Measured at the moment each request is sent, so a slow answer on a busy machine does not count
    // as staleness: the cache may answer the old key only to requests sent within its TTL.
    let lastOldAskedAt = rotatedAt;
    let seen: string | undefined;
    while (Date.now() - rotatedAt < 10_000) {
      const askedAt = Date.now();
      seen = await apiKeyOf('weather');
      if (seen === 'weather-v2') break;
      lastOldAskedAt = askedAt;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const staleness = lastOldAskedAt - rotatedAt;
    assert.equal(seen, 'weather-v2');
    assert.ok(
      staleness <= CACHE_TTL_SECONDS * 1000,
      `the old key was served ${staleness} ms after the rotation`,
    );
    process.stdout.write(`# rotation staleness with a ${CACHE_TTL_SECONDS} s cache: ${staleness} ms\n`);

    await control.send(new DeleteApiKeyCredentialProviderCommand({ name: 'weather' }));
    const untouched = await secrets.send(new DescribeSecretCommand({ SecretId: arn }));
    assert.equal(untouched.DeletedDate, undefined);
    assert.equal(Object.keys(untouched.VersionIdsToStages ?? {}).length, 2, 'no version added by Mandate');
  });

  it('checks an EXTERNAL secret at create with precise ValidationExceptions', async () => {
    const plain = await externalSecret('customer/plain-text', 'not json at all');
    const noKey = await externalSecret('customer/no-key', JSON.stringify({ somethingElse: 'v' }));
    const gone = await externalSecret('customer/gone', JSON.stringify({ key: 'v' }));
    await secrets.send(new DeleteSecretCommand({ SecretId: gone }));
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      [
        'malformed ARN',
        { secretId: 'arn:aws:s3:::bucket', jsonKey: 'key' },
        'apiKeySecretConfig.secretId',
        /ARN of a Secrets Manager secret/,
      ],
      [
        'other region',
        { secretId: plain.replace('us-east-1', 'eu-west-1'), jsonKey: 'key' },
        'apiKeySecretConfig.secretId',
        /in us-east-1, not eu-west-1/,
      ],
      [
        'missing secret',
        { secretId: `${plain.slice(0, plain.lastIndexOf(':'))}:nowhere-abcdef`, jsonKey: 'key' },
        'apiKeySecretConfig.secretId',
        /does not exist/,
      ],
      [
        'unreadable secret',
        { secretId: gone, jsonKey: 'key' },
        'apiKeySecretConfig.secretId',
        /cannot be read/,
      ],
      [
        'non-JSON secret',
        { secretId: plain, jsonKey: 'key' },
        'apiKeySecretConfig.jsonKey',
        /not a JSON object/,
      ],
      [
        'missing jsonKey',
        { secretId: noKey, jsonKey: 'key' },
        'apiKeySecretConfig.jsonKey',
        /no string value under the JSON key key/,
      ],
    ];
    for (const [label, config, field, message] of cases) {
      const err = await rejects(
        control.send(
          new CreateApiKeyCredentialProviderCommand({
            name: 'bad-external',
            apiKeySecretSource: 'EXTERNAL',
            apiKeySecretConfig: config as never,
          }),
        ),
        ValidationException,
      );
      assert.equal(err.fieldList?.[0]?.name, field, label);
      assert.match(err.message, message, label);
    }
    await rejects(
      control.send(new GetApiKeyCredentialProviderCommand({ name: 'bad-external' })),
      ResourceNotFoundException,
    );
  });

  it('refuses duplicates, unknown providers and malformed fields without leaving secrets behind', async () => {
    await control.send(new CreateApiKeyCredentialProviderCommand({ name: 'dup-key', apiKey: 'k1' }));
    const before = await countSecrets();
    await rejects(
      control.send(new CreateApiKeyCredentialProviderCommand({ name: 'dup-key', apiKey: 'k2' })),
      ConflictException,
    );
    assert.equal(await countSecrets(), before, 'no orphan managed secret');
    assert.equal(await apiKeyOf('dup-key'), 'k1');

    await rejects(
      test.data().send(
        new GetResourceApiKeyCommand({
          workloadIdentityToken: wat,
          resourceCredentialProviderName: 'nope',
        }),
      ),
      Error,
    ).then((err) => assert.equal(err.name, 'ResourceNotFoundException'));
    const invalid: [Record<string, unknown>, string][] = [
      [{ name: 'x'.repeat(129), apiKey: 'k' }, 'name'],
      [{ name: 'bad name', apiKey: 'k' }, 'name'],
      [{ name: 'huge', apiKey: 'k'.repeat(65_537) }, 'apiKey'],
      [
        {
          name: 'both',
          apiKey: 'k',
          apiKeySecretConfig: {
            secretId: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:x',
            jsonKey: 'k',
          },
        },
        'apiKey',
      ],
      [{ name: 'empty' }, 'apiKey'],
      [
        {
          name: 'long-json-key',
          apiKeySecretSource: 'EXTERNAL',
          apiKeySecretConfig: {
            secretId: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:x',
            jsonKey: 'j'.repeat(129),
          },
        },
        'apiKeySecretConfig.jsonKey',
      ],
    ];
    for (const [input, field] of invalid) {
      const err = await rejects(
        control.send(new CreateApiKeyCredentialProviderCommand(input as never)),
        ValidationException,
      );
      assert.equal(err.fieldList?.[0]?.name, field, JSON.stringify(input).slice(0, 80));
    }
    assert.equal(await countSecrets(), before);
  });

  it('serves a forged or wrong-workload token no key', async () => {
    await control.send(new CreateApiKeyCredentialProviderCommand({ name: 'guarded', apiKey: 'k-guarded' }));
    const err = await rejects(
      test.data().send(
        new GetResourceApiKeyCommand({
          workloadIdentityToken: `${wat.slice(0, -4)}AAAA`,
          resourceCredentialProviderName: 'guarded',
        }),
      ),
      Error,
    );
    assert.equal(err.name, 'AccessDeniedException');
    const other = await createPrincipal(
      test,
      'other',
      allow(['GetResourceApiKey'], [workloadArnPattern('someone-else'), providerArnPattern('apikey', '*')]),
    );
    const denied = await rejects(
      test.data(other).send(
        new GetResourceApiKeyCommand({
          workloadIdentityToken: wat,
          resourceCredentialProviderName: 'guarded',
        }),
      ),
      Error,
    );
    assert.equal(denied.name, 'AccessDeniedException');
  });

  it("works with the bedrock-agentcore SDK's withApiKey, pointed at Mandate by environment", async () => {
    await control.send(new CreateApiKeyCredentialProviderCommand({ name: 'sdk-key', apiKey: 'k-from-sdk' }));
    test.pointSdkEnvironment();
    const { withApiKey } = await import('bedrock-agentcore/identity');
    const tool = withApiKey({ workloadIdentityToken: wat, providerName: 'sdk-key' })(
      (city: string, apiKey: string) => Promise.resolve(`${city}:${apiKey}`),
    );
    assert.equal(await tool('Paris'), 'Paris:k-from-sdk');
  });
});
