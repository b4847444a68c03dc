import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateApiKeyCredentialProviderCommand,
  CreateOauth2CredentialProviderCommand,
  DeleteApiKeyCredentialProviderCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
  type BedrockAgentCoreControlClient,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { rejects } from '../helpers/assert';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

describe('tags on credential provider ARNs (TagResource, UntagResource, ListTagsForResource)', () => {
  let test: TestStack;
  let control: BedrockAgentCoreControlClient;
  const tagsOf = async (resourceArn: string) =>
    (await control.send(new ListTagsForResourceCommand({ resourceArn }))).tags;

  before(async () => {
    test = await startTestStack(await testStackEnv(), { worker: false });
    control = test.control();
  });
  after(() => test?.destroy());

  it('reads back the tags given at create, and changes them, for both provider kinds', async () => {
    const apiKey = await control.send(
      new CreateApiKeyCredentialProviderCommand({ name: 'search', apiKey: 'k-1', tags: { team: 'tools' } }),
    );
    const oauth2 = await control.send(
      new CreateOauth2CredentialProviderCommand({
        name: 'crm',
        credentialProviderVendor: 'CustomOauth2',
        oauth2ProviderConfigInput: {
          customOauth2ProviderConfig: {
            oauthDiscovery: { discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration' },
            clientId: 'client',
            clientSecret: 'secret',
          },
        },
        tags: { team: 'sales' },
      }),
    );
    for (const [arn, team] of [
      [apiKey.credentialProviderArn!, 'tools'],
      [oauth2.credentialProviderArn!, 'sales'],
    ] as const) {
      assert.deepEqual(await tagsOf(arn), { team });
      await control.send(new TagResourceCommand({ resourceArn: arn, tags: { env: 'prod', team: 'ops' } }));
      assert.deepEqual(await tagsOf(arn), { team: 'ops', env: 'prod' });
      await control.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['team'] }));
      assert.deepEqual(await tagsOf(arn), { env: 'prod' });
    }
  });

  it('answers ResourceNotFoundException for a deleted provider and for another kind under the same name', async () => {
    const created = await control.send(
      new CreateApiKeyCredentialProviderCommand({ name: 'gone', apiKey: 'k' }),
    );
    const arn = created.credentialProviderArn!;
    await control.send(new DeleteApiKeyCredentialProviderCommand({ name: 'gone' }));
    await rejects(
      control.send(new ListTagsForResourceCommand({ resourceArn: arn })),
      ResourceNotFoundException,
    );
    const asOauth2 = arn.replace('/apikeycredentialprovider/', '/oauth2credentialprovider/');
    await rejects(
      control.send(new TagResourceCommand({ resourceArn: asOauth2, tags: { a: 'b' } })),
      ResourceNotFoundException,
    );
  });
});
