import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenCommand,
  ValidationException as DataValidationException,
} from '@aws-sdk/client-bedrock-agentcore';
import {
  CreateOauth2CredentialProviderCommand,
  CreateWorkloadIdentityCommand,
  ListOauth2CredentialProvidersCommand,
  ValidationException,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

/** Members of the AgentCore models that Mandate does not honour are refused by name, never dropped. */
describe('known but unsupported fields are refused with ValidationException naming the field', () => {
  let test: TestStack;

  const custom = (extra: Record<string, unknown>) =>
    new CreateOauth2CredentialProviderCommand({
      name: 'custom',
      credentialProviderVendor: 'CustomOauth2',
      oauth2ProviderConfigInput: {
        customOauth2ProviderConfig: {
          oauthDiscovery: { discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration' },
          clientId: 'client',
          clientSecret: 'secret',
          ...extra,
        },
      },
    } as never);
  /** The field names of a ValidationException the call must answer. */
  const refusedFields = async (call: Promise<unknown>) => {
    const err = await call.then(
      () => assert.fail('the request was accepted'),
      (e: unknown) => e,
    );
    assert.ok(
      err instanceof ValidationException || err instanceof DataValidationException,
      `expected a ValidationException, got ${String(err)}`,
    );
    return (err.fieldList ?? []).map((f) => f.name);
  };
  const member = 'oauth2ProviderConfigInput.customOauth2ProviderConfig';

  before(async () => {
    test = await startTestStack(await testStackEnv(), { worker: false });
    await test.control().send(new CreateWorkloadIdentityCommand({ name: 'agent' }));
  });
  after(() => test?.destroy());

  it('privateEndpoint and privateEndpointOverrides on a custom OAuth2 provider', async () => {
    const control = test.control();
    const privateEndpoint = {
      managedVpcResource: { vpcIdentifier: 'vpc-1', subnetIds: ['s'], endpointIpAddressType: 'IPV4' },
    };
    assert.deepEqual(await refusedFields(control.send(custom({ privateEndpoint }))), [
      `${member}.privateEndpoint`,
    ]);
    assert.deepEqual(
      await refusedFields(
        control.send(custom({ privateEndpointOverrides: [{ domain: 'x', privateEndpoint }] })),
      ),
      [`${member}.privateEndpointOverrides`],
    );
    const listed = await control.send(new ListOauth2CredentialProvidersCommand({}));
    assert.equal(listed.credentialProviders?.length, 0, 'nothing was stored');
  });

  it('actorTokenContent AWS_IAM_ID_TOKEN_JWT in an on-behalf-of configuration', async () => {
    const fields = await refusedFields(
      test.control().send(
        custom({
          onBehalfOfTokenExchangeConfig: {
            grantType: 'TOKEN_EXCHANGE',
            tokenExchangeGrantTypeConfig: { actorTokenContent: 'AWS_IAM_ID_TOKEN_JWT' },
          },
        }),
      ),
    );
    assert.deepEqual(fields, [
      `${member}.onBehalfOfTokenExchangeConfig.tokenExchangeGrantTypeConfig.actorTokenContent`,
    ]);
  });

  it('private endpoints and scope mappings on a JWT authorizer', async () => {
    const put = await test.extension('PutWorkloadIdentityAuthorizer', {
      name: 'agent',
      authorizerConfiguration: {
        customJWTAuthorizer: {
          discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration',
          allowedAudience: ['api'],
          advertisedScopeMapping: { read: 'crm.read' },
          privateEndpoint: { selfManagedLatticeResource: { resourceConfigurationIdentifier: 'rc' } },
        },
      },
    });
    assert.equal(put.status, 400);
    assert.equal(put.type, 'ValidationException');
    const names = (put.body.fieldList as { name: string }[]).map((f) => f.name).sort();
    assert.deepEqual(names, [
      'authorizerConfiguration.customJWTAuthorizer.advertisedScopeMapping',
      'authorizerConfiguration.customJWTAuthorizer.privateEndpoint',
    ]);
  });

  it('customParameters, customState and sessionUri on M2M and on-behalf-of token requests', async () => {
    const data = test.data();
    const wat = (await data.send(new GetWorkloadAccessTokenCommand({ workloadName: 'agent' })))
      .workloadAccessToken!;
    for (const oauth2Flow of ['M2M', 'ON_BEHALF_OF_TOKEN_EXCHANGE'] as const) {
      const fields = await refusedFields(
        data.send(
          new GetResourceOauth2TokenCommand({
            workloadIdentityToken: wat,
            resourceCredentialProviderName: 'custom',
            scopes: ['read'],
            oauth2Flow,
            customParameters: { prompt: 'consent' },
            customState: 'opaque',
            sessionUri: 'urn:ietf:params:oauth:request_uri:abc',
          }),
        ),
      );
      assert.deepEqual(fields, ['sessionUri', 'customParameters', 'customState'], oauth2Flow);
    }
  });
});
