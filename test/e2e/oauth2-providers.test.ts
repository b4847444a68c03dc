import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ConflictException,
  CreateOauth2CredentialProviderCommand,
  DeleteOauth2CredentialProviderCommand,
  GetOauth2CredentialProviderCommand,
  ListOauth2CredentialProvidersCommand,
  ResourceNotFoundException,
  UpdateOauth2CredentialProviderCommand,
  ValidationException,
  type BedrockAgentCoreControlClient,
} from '@aws-sdk/client-bedrock-agentcore-control';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { awsClientOptions } from '../../libs/aws/clients';
import { VENDORS, type VendorSpec } from '../../libs/providers/vendors';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';
import { rejects } from '../helpers/assert';

/** A minimal valid configuration member for a vendor, and the discovery Mandate should resolve for it. */
function configFor(spec: VendorSpec, secret: string) {
  const base = { clientId: `client-of-${spec.vendor}`, clientSecret: secret };
  if (spec.kind === 'custom') {
    const discoveryUrl = 'https://idp.example.com/.well-known/oauth-authorization-server';
    return {
      input: { [spec.member]: { ...base, oauthDiscovery: { discoveryUrl } } },
      discovery: { discoveryUrl },
    };
  }
  if (spec.discoveryTemplate) {
    return {
      input: { [spec.member]: { ...base, tenantId: 'contoso' } },
      discovery: { discoveryUrl: spec.discoveryTemplate.replace('{tenantId}', 'contoso') },
    };
  }
  if (spec.kind === 'tenant') {
    return {
      input: { [spec.member]: { ...base, issuer: 'https://tenant.example.com/oauth2/default' } },
      discovery: {
        discoveryUrl: 'https://tenant.example.com/oauth2/default/.well-known/openid-configuration',
      },
    };
  }
  return { input: { [spec.member]: base }, discovery: spec.discovery };
}

describe('OAuth2 credential providers for every AgentCore vendor', () => {
  let test: TestStack;
  let control: BedrockAgentCoreControlClient;
  let secrets: SecretsManagerClient;

  before(async () => {
    test = await startTestStack(await testStackEnv());
    control = test.control();
    secrets = new SecretsManagerClient(awsClientOptions(test.stack.config.aws));
  });
  after(async () => {
    await test?.destroy();
  });

  it('creates a provider for each of the 25 vendors, with its own callback URL and resolved discovery', async () => {
    assert.equal(VENDORS.length, 25);
    const callbacks = new Set<string>();
    for (const spec of VENDORS) {
      const secret = `secret-${spec.vendor}-value`;
      const { input, discovery } = configFor(spec, secret);
      const name = spec.vendor.toLowerCase();
      const created = await control.send(
        new CreateOauth2CredentialProviderCommand({
          name,
          credentialProviderVendor: spec.vendor as never,
          oauth2ProviderConfigInput: input as never,
        }),
      );
      assert.equal(created.$metadata.httpStatusCode, 201, spec.vendor);
      assert.equal(created.status, 'READY');
      assert.equal(
        created.credentialProviderArn,
        `arn:aws:acps:us-east-1:000000000000:token-vault/default/oauth2credentialprovider/${name}`,
      );
      assert.match(
        created.callbackUrl!,
        new RegExp(`^${test.stack.apiUrl}/identities/oauth2/callback/[0-9a-f-]{36}$`),
      );
      callbacks.add(created.callbackUrl!);
      const output = (
        created.oauth2ProviderConfigOutput as unknown as Record<
          string,
          { oauthDiscovery: unknown; clientId: string }
        >
      )[spec.member];
      assert.deepEqual(output?.oauthDiscovery, discovery, spec.vendor);
      assert.equal(output?.clientId, `client-of-${spec.vendor}`);
      assert.ok(!JSON.stringify(created).includes(secret), 'the client secret is never echoed');
      const stored = await secrets.send(
        new GetSecretValueCommand({ SecretId: created.clientSecretArn!.secretArn }),
      );
      assert.equal(JSON.parse(stored.SecretString!)[created.clientSecretJsonKey!], secret);
    }
    assert.equal(callbacks.size, 25, 'callback URLs are unique');

    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await control.send(
        new ListOauth2CredentialProvidersCommand({ maxResults: 20, nextToken }),
      );
      names.push(...page.credentialProviders!.map((p) => p.name!));
      nextToken = page.nextToken;
    } while (nextToken);
    assert.equal(names.length, 25);
  });

  it('takes static authorization server metadata for a custom provider', async () => {
    const metadata = {
      issuer: 'https://as.example.com',
      authorizationEndpoint: 'https://as.example.com/authorize',
      tokenEndpoint: 'https://as.example.com/token',
      tokenEndpointAuthMethods: ['client_secret_post'],
    };
    const created = await control.send(
      new CreateOauth2CredentialProviderCommand({
        name: 'static-metadata',
        credentialProviderVendor: 'CustomOauth2',
        oauth2ProviderConfigInput: {
          customOauth2ProviderConfig: {
            oauthDiscovery: { authorizationServerMetadata: metadata },
            clientId: 'c',
            clientSecret: 's',
          },
        },
      }),
    );
    assert.deepEqual(created.oauth2ProviderConfigOutput?.customOauth2ProviderConfig?.oauthDiscovery, {
      authorizationServerMetadata: metadata,
    });
  });

  it('refuses invalid configurations, naming the field, and stores nothing', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      [
        'member of another vendor',
        {
          credentialProviderVendor: 'GoogleOauth2',
          oauth2ProviderConfigInput: { githubOauth2ProviderConfig: { clientId: 'c', clientSecret: 's' } },
        },
        'oauth2ProviderConfigInput.githubOauth2ProviderConfig',
      ],
      [
        'tenant vendor without issuer',
        {
          credentialProviderVendor: 'OktaOauth2',
          oauth2ProviderConfigInput: { includedOauth2ProviderConfig: { clientId: 'c', clientSecret: 's' } },
        },
        'oauth2ProviderConfigInput.includedOauth2ProviderConfig.issuer',
      ],
      [
        'discovery URL of another kind',
        {
          credentialProviderVendor: 'CustomOauth2',
          oauth2ProviderConfigInput: {
            customOauth2ProviderConfig: {
              clientId: 'c',
              clientSecret: 's',
              oauthDiscovery: { discoveryUrl: 'https://as.example.com/metadata' },
            },
          },
        },
        'oauth2ProviderConfigInput.customOauth2ProviderConfig.oauthDiscovery.discoveryUrl',
      ],
      [
        'plain http discovery',
        {
          credentialProviderVendor: 'CustomOauth2',
          oauth2ProviderConfigInput: {
            customOauth2ProviderConfig: {
              clientId: 'c',
              clientSecret: 's',
              oauthDiscovery: { discoveryUrl: 'http://as.example.com/.well-known/openid-configuration' },
            },
          },
        },
        'oauth2ProviderConfigInput.customOauth2ProviderConfig.oauthDiscovery.discoveryUrl',
      ],
      [
        'metadata endpoint on a private address',
        {
          credentialProviderVendor: 'CustomOauth2',
          oauth2ProviderConfigInput: {
            customOauth2ProviderConfig: {
              clientId: 'c',
              clientSecret: 's',
              oauthDiscovery: {
                authorizationServerMetadata: {
                  issuer: 'https://as.example.com',
                  authorizationEndpoint: 'https://as.example.com/a',
                  tokenEndpoint: 'https://169.254.169.254/token',
                },
              },
            },
          },
        },
        'oauth2ProviderConfigInput.customOauth2ProviderConfig.oauthDiscovery.authorizationServerMetadata.tokenEndpoint',
      ],
      [
        'two members',
        {
          credentialProviderVendor: 'GoogleOauth2',
          oauth2ProviderConfigInput: {
            googleOauth2ProviderConfig: { clientId: 'c', clientSecret: 's' },
            slackOauth2ProviderConfig: { clientId: 'c', clientSecret: 's' },
          },
        },
        'oauth2ProviderConfigInput',
      ],
      [
        'unknown vendor',
        {
          credentialProviderVendor: 'MySpaceOauth2',
          oauth2ProviderConfigInput: { googleOauth2ProviderConfig: { clientId: 'c', clientSecret: 's' } },
        },
        'credentialProviderVendor',
      ],
      [
        'no client secret',
        {
          credentialProviderVendor: 'GoogleOauth2',
          oauth2ProviderConfigInput: { googleOauth2ProviderConfig: { clientId: 'c' } },
        },
        'oauth2ProviderConfigInput.googleOauth2ProviderConfig.clientSecret',
      ],
      [
        'over-long client secret',
        {
          credentialProviderVendor: 'GoogleOauth2',
          oauth2ProviderConfigInput: {
            googleOauth2ProviderConfig: { clientId: 'c', clientSecret: 's'.repeat(2049) },
          },
        },
        'oauth2ProviderConfigInput.googleOauth2ProviderConfig.clientSecret',
      ],
      [
        'private_key_jwt',
        {
          credentialProviderVendor: 'CustomOauth2',
          oauth2ProviderConfigInput: {
            customOauth2ProviderConfig: {
              clientId: 'c',
              clientSecret: 's',
              clientAuthenticationMethod: 'PRIVATE_KEY_JWT',
              oauthDiscovery: { discoveryUrl: 'https://as.example.com/.well-known/openid-configuration' },
            },
          },
        },
        'oauth2ProviderConfigInput.customOauth2ProviderConfig.privateKeyJwtConfig',
      ],
    ];
    for (const [label, input, field] of cases) {
      const err = await rejects(
        control.send(new CreateOauth2CredentialProviderCommand({ name: 'invalid-one', ...input } as never)),
        ValidationException,
      );
      assert.ok(
        err.fieldList?.some((f) => f.name === field),
        `${label}: ${JSON.stringify(err.fieldList)}`,
      );
    }
    await rejects(
      control.send(new GetOauth2CredentialProviderCommand({ name: 'invalid-one' })),
      ResourceNotFoundException,
    );
    await rejects(
      control.send(new ListOauth2CredentialProvidersCommand({ maxResults: 21 })),
      ValidationException,
    );
  });

  it('replaces the configuration on update, swaps secrets when the source changes, and cleans up on delete', async () => {
    const created = await control.send(
      new CreateOauth2CredentialProviderCommand({
        name: 'lifecycle',
        credentialProviderVendor: 'GithubOauth2',
        oauth2ProviderConfigInput: {
          githubOauth2ProviderConfig: { clientId: 'placeholder', clientSecret: 'placeholder' },
        },
      }),
    );
    await rejects(
      control.send(
        new CreateOauth2CredentialProviderCommand({
          name: 'lifecycle',
          credentialProviderVendor: 'GithubOauth2',
          oauth2ProviderConfigInput: { githubOauth2ProviderConfig: { clientId: 'x', clientSecret: 'y' } },
        }),
      ),
      ConflictException,
    );
    const managedArn = created.clientSecretArn!.secretArn!;
    const updated = await control.send(
      new UpdateOauth2CredentialProviderCommand({
        name: 'lifecycle',
        credentialProviderVendor: 'GithubOauth2',
        oauth2ProviderConfigInput: {
          githubOauth2ProviderConfig: { clientId: 'real-client', clientSecret: 'real-secret' },
        },
      }),
    );
    assert.equal(updated.callbackUrl, created.callbackUrl, 'the callback URL survives updates');
    assert.equal(updated.clientSecretArn?.secretArn, managedArn);
    assert.equal(updated.oauth2ProviderConfigOutput?.githubOauth2ProviderConfig?.clientId, 'real-client');
    const value = await secrets.send(new GetSecretValueCommand({ SecretId: managedArn }));
    assert.equal(JSON.parse(value.SecretString!).client_secret, 'real-secret');

    const external = await secrets.send(
      new CreateSecretCommand({ Name: 'customer/github', SecretString: JSON.stringify({ secret: 'ext' }) }),
    );
    const switched = await control.send(
      new UpdateOauth2CredentialProviderCommand({
        name: 'lifecycle',
        credentialProviderVendor: 'GithubOauth2',
        oauth2ProviderConfigInput: {
          githubOauth2ProviderConfig: {
            clientId: 'real-client',
            clientSecretSource: 'EXTERNAL',
            clientSecretConfig: { secretId: external.ARN!, jsonKey: 'secret' },
          },
        },
      }),
    );
    assert.equal(switched.clientSecretSource, 'EXTERNAL');
    assert.ok(
      (await secrets.send(new DescribeSecretCommand({ SecretId: managedArn }))).DeletedDate,
      'the retired managed secret is deleted',
    );

    await control.send(new DeleteOauth2CredentialProviderCommand({ name: 'lifecycle' }));
    assert.equal(
      (await secrets.send(new DescribeSecretCommand({ SecretId: external.ARN }))).DeletedDate,
      undefined,
    );
    await rejects(
      control.send(new GetOauth2CredentialProviderCommand({ name: 'lifecycle' })),
      ResourceNotFoundException,
    );
  });
});
