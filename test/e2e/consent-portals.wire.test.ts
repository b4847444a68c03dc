import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ConflictException,
  CreateConsentPortalCommand,
  CreateOauth2CredentialProviderCommand,
  CreateWorkloadIdentityCommand,
  DeleteConsentPortalCommand,
  GetConsentPortalCommand,
  ListConsentPortalsCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  TagResourceCommand,
  UpdateConsentPortalCommand,
  ValidationException,
  type ConsentPortalSourceType,
  type CreateConsentPortalCommandInput,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

const source = (type: string, identifier: string) => ({ type: type as ConsentPortalSourceType, identifier });

describe('consent portals on the control-plane wire (official AWS SDK client)', () => {
  let test: TestStack;
  let providerArn: string;

  before(async () => {
    test = await startTestStack(await testStackEnv());
    const control = test.control();
    await control.send(new CreateWorkloadIdentityCommand({ name: 'crm-agent' }));
    await control.send(new CreateWorkloadIdentityCommand({ name: 'drive-agent' }));
    providerArn = (
      await control.send(
        new CreateOauth2CredentialProviderCommand({
          name: 'workforce',
          credentialProviderVendor: 'CustomOauth2',
          oauth2ProviderConfigInput: {
            customOauth2ProviderConfig: {
              oauthDiscovery: { discoveryUrl: 'https://login.example.com/.well-known/openid-configuration' },
              clientId: 'portal',
              clientSecret: 'secret',
            },
          },
        }),
      )
    ).credentialProviderArn!;
  });
  after(() => test?.destroy());

  const input = (
    overrides: Partial<CreateConsentPortalCommandInput> = {},
  ): CreateConsentPortalCommandInput => ({
    name: 'people',
    description: 'Where our people consent',
    idpConfig: { credentialProviderArn: providerArn, scopes: ['openid', 'email'], audience: 'mandate' },
    sources: [source('workload-identity', 'crm-agent')],
    executionRoleArn: 'arn:aws:iam::000000000000:role/portal',
    ...overrides,
  });

  it('creates, reads by id and by ARN, lists, updates and deletes a portal', async () => {
    const control = test.control();
    const created = await control.send(new CreateConsentPortalCommand(input({ tags: { team: 'it' } })));
    assert.match(created.consentPortalId!, /^people-[a-z0-9]{10}$/);
    assert.match(created.consentPortalArn!, /:consent-portal\/people-[a-z0-9]{10}$/);
    assert.equal(created.status, 'ACTIVE');
    assert.equal(created.portalUrl, `${test.stack.apiUrl}/portal/${created.consentPortalId}`);
    assert.deepEqual(created.idpConfig, input().idpConfig);
    assert.deepEqual(created.sources, [source('workload-identity', 'crm-agent')]);
    assert.ok(created.createdAt instanceof Date);

    const byArn = await control.send(
      new GetConsentPortalCommand({ consentPortalIdentifier: created.consentPortalArn }),
    );
    assert.equal(byArn.consentPortalId, created.consentPortalId);
    assert.equal(byArn.executionRoleArn, 'arn:aws:iam::000000000000:role/portal');

    const listed = await control.send(new ListConsentPortalsCommand({}));
    assert.deepEqual(
      listed.consentPortals!.map((portal) => [portal.name, portal.status, portal.portalUrl]),
      [['people', 'ACTIVE', created.portalUrl]],
    );
    const tags = await control.send(
      new ListTagsForResourceCommand({ resourceArn: created.consentPortalArn }),
    );
    assert.deepEqual(tags.tags, { team: 'it' });
    await control.send(
      new TagResourceCommand({ resourceArn: created.consentPortalArn, tags: { owner: 'security' } }),
    );
    assert.deepEqual(
      (await control.send(new ListTagsForResourceCommand({ resourceArn: created.consentPortalArn }))).tags,
      { team: 'it', owner: 'security' },
    );

    const updated = await control.send(
      new UpdateConsentPortalCommand({
        consentPortalIdentifier: created.consentPortalId,
        description: 'Consent and connections',
        idpConfig: { credentialProviderArn: providerArn, scopes: ['openid'] },
      }),
    );
    assert.equal(updated.description, 'Consent and connections');
    assert.deepEqual(updated.idpConfig, { credentialProviderArn: providerArn, scopes: ['openid'] });
    assert.ok(updated.updatedAt!.getTime() >= created.updatedAt!.getTime());

    await control.send(new DeleteConsentPortalCommand({ consentPortalIdentifier: created.consentPortalId }));
    await assert.rejects(
      control.send(new GetConsentPortalCommand({ consentPortalIdentifier: created.consentPortalId })),
      ResourceNotFoundException,
    );
  });

  it('pages through portals in order', async () => {
    const control = test.control();
    for (const name of ['p1', 'p2', 'p3'])
      await control.send(new CreateConsentPortalCommand(input({ name, sources: [] })));
    const first = await control.send(new ListConsentPortalsCommand({ maxResults: 2 }));
    assert.equal(first.consentPortals!.length, 2);
    const second = await control.send(
      new ListConsentPortalsCommand({ maxResults: 2, nextToken: first.nextToken }),
    );
    assert.deepEqual(
      [...first.consentPortals!, ...second.consentPortals!].map((portal) => portal.name).sort(),
      ['p1', 'p2', 'p3'],
    );
    assert.equal(second.nextToken, undefined);
  });

  it('refuses bad input with ValidationException naming the field, and conflicts with ConflictException', async () => {
    const control = test.control();
    const refused = async (overrides: Partial<CreateConsentPortalCommandInput>, field: string) => {
      const err = await control.send(new CreateConsentPortalCommand(input(overrides))).then(
        () => assert.fail('accepted'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ValidationException, String(err));
      assert.deepEqual(
        err.fieldList?.map((f) => f.name),
        [field],
      );
    };
    await refused(
      { idpConfig: { credentialProviderArn: providerArn, scopes: ['email'] } },
      'idpConfig.scopes',
    );
    await refused(
      { idpConfig: { credentialProviderArn: `${providerArn}-missing`, scopes: ['openid'] } },
      'idpConfig.credentialProviderArn',
    );
    await refused({ sources: [source('workload-identity', 'no-such-agent')] }, 'sources.0.identifier');
    await refused({ sources: [source('something-else', 'crm-agent')] }, 'sources.0.type');
    await refused({ name: '<b>portal</b>' }, 'name');

    await control.send(
      new CreateConsentPortalCommand(
        input({ name: 'first', sources: [source('workload-identity', 'drive-agent')] }),
      ),
    );
    await assert.rejects(
      control.send(new CreateConsentPortalCommand(input({ name: 'first', sources: [] }))),
      ConflictException,
    );
    await assert.rejects(
      control.send(
        new CreateConsentPortalCommand(
          input({ name: 'second', sources: [source('workload-identity', 'drive-agent')] }),
        ),
      ),
      (err: unknown) =>
        err instanceof ConflictException && /already a source of consent portal first/.test(err.message),
    );
    // Nothing was stored by the refused calls.
    const names = (await control.send(new ListConsentPortalsCommand({}))).consentPortals!.map(
      (portal) => portal.name,
    );
    assert.ok(!names.includes('second'));
  });
});
