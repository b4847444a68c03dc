import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenCommand,
} from '@aws-sdk/client-bedrock-agentcore';
import { ConnectionsRepository } from '../../libs/vault/connections.repository';
import { askToken, consentAs, expireStoredToken, registerAgentAndIdp } from '../helpers/consent-flow';
import type { TestIdp } from '../helpers/oidc-idp';
import { allow, createPrincipal } from '../helpers/principals';
import { signedFetch } from '../helpers/signed-fetch';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

type Listed = Record<string, unknown>;

describe('connections for operators: list, read and revoke by id, never a token', () => {
  let test: TestStack;
  let idp: TestIdp;
  let connections: ConnectionsRepository;

  const list = async (input: Record<string, unknown> = {}) => {
    const answer = await test.extension('ListResourceOauth2Connections', input);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body as { connections: Listed[]; nextToken?: string };
  };
  const get = async (connectionId: string) => {
    const answer = await test.extension('GetResourceOauth2Connection', { connectionId });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body;
  };
  const userHash = (userId: string) => test.stack.runtime.userKeys.hash({ kind: 'userId', userId });

  before(async () => {
    test = await startTestStack(await testStackEnv({ MANDATE_ALLOW_PRIVATE_NETWORK_URLS: 'true' }));
    idp = await registerAgentAndIdp(test);
    connections = new ConnectionsRepository(test.stack.runtime.db, test.stack.runtime.envelope);
  });
  after(async () => {
    await test?.destroy();
    await idp?.stop();
  });

  it('lists consented connections with their owner, scopes, state and expiry, and pages through them', async () => {
    const alice = await consentAs(test, idp, 'ops-alice', ['read']);
    const bob = await consentAs(test, idp, 'ops-bob', ['read', 'write']);

    const all = await list({ workloadName: 'agent', resourceCredentialProviderName: 'idp' });
    const byId = new Map(all.connections.map((c) => [c.connectionId, c]));
    const aliceListed = byId.get(alice.id)!;
    assert.deepEqual(
      {
        flow: aliceListed.flow,
        workloadName: aliceListed.workloadName,
        resourceCredentialProviderName: aliceListed.resourceCredentialProviderName,
        userHash: aliceListed.userHash,
        state: aliceListed.state,
      },
      {
        flow: 'USER_FEDERATION',
        workloadName: 'agent',
        resourceCredentialProviderName: 'idp',
        userHash: userHash('ops-alice'),
        state: 'ACTIVE',
      },
    );
    // The scopes the provider granted (it grants offline_access as a refresh token, not as a scope).
    assert.deepEqual([...(byId.get(bob.id)!.scopes as string[])].sort(), ['read', 'write']);
    const stored = (await connections.read(alice.id))!;
    assert.equal(aliceListed.accessTokenExpiresAt, stored.connection.expiresAt!.toISOString());
    assert.ok(Date.parse(aliceListed.createdTime as string) <= Date.now());
    assert.equal(aliceListed.lastRefreshAt, undefined, 'never renewed yet');

    // Pages of one: every connection once, in a stable order, the last page without a nextToken.
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await list({ maxResults: 1, ...(nextToken ? { nextToken } : {}) });
      assert.ok(page.connections.length <= 1);
      seen.push(...page.connections.map((c) => c.connectionId as string));
      nextToken = page.nextToken;
    } while (nextToken);
    assert.deepEqual(
      seen,
      all.connections.map((c) => c.connectionId),
    );

    assert.deepEqual((await list({ workloadName: 'someone-else' })).connections, []);
    assert.deepEqual((await list({ state: 'REVOKED' })).connections, []);
    assert.deepEqual(await get(alice.id), aliceListed);

    // Canaries: nothing the vault keeps secret, and no user id in clear.
    const text = JSON.stringify(all);
    for (const secret of [alice.token, bob.token, stored.tokens.refreshToken!, alice.wat, idp.clientSecret])
      assert.ok(!text.includes(secret), 'a token reached an operator');
    assert.doesNotMatch(text, /ops-alice|ops-bob/);
  });

  it('records renewals and their failures: a refresh, then invalid_grant leaves the connection needing consent', async () => {
    const { wat, id } = await consentAs(test, idp, 'ops-carol', ['read']);
    await expireStoredToken(test, id);
    await askToken(test, wat, ['read']);
    const renewed = await get(id);
    assert.equal(renewed.state, 'ACTIVE');
    assert.equal(renewed.lastRefreshOutcome, 'Success');
    assert.ok(Date.parse(renewed.lastRefreshAt as string) >= Date.parse(renewed.createdTime as string));

    // Someone else spends another user's refresh token: the next renewal is refused.
    const erin = await consentAs(test, idp, 'ops-erin', ['read']);
    const spent = await idp.redeemRefreshToken((await connections.read(erin.id))!.tokens.refreshToken!);
    assert.equal(spent.status, 200);
    await expireStoredToken(test, erin.id);
    assert.ok((await askToken(test, erin.wat, ['read'])).authorizationUrl, 'a new consent is asked for');
    const refused = await get(erin.id);
    assert.equal(refused.state, 'NEEDS_CONSENT');
    assert.equal(refused.lastRefreshOutcome, 'invalid_grant');
    assert.equal(refused.lastFailureCode, 'invalid_grant');
    assert.equal(refused.accessTokenExpiresAt, undefined, 'no token is held');
    const needing = await list({ state: 'NEEDS_CONSENT' });
    assert.deepEqual(
      needing.connections.map((c) => c.connectionId),
      [erin.id],
    );
  });

  it('lists a machine-to-machine connection under its flow', async () => {
    const data = test.data();
    const wat = (await data.send(new GetWorkloadAccessTokenCommand({ workloadName: 'agent' })))
      .workloadAccessToken!;
    const answer = await data.send(
      new GetResourceOauth2TokenCommand({
        workloadIdentityToken: wat,
        resourceCredentialProviderName: 'idp',
        scopes: ['read'],
        oauth2Flow: 'M2M',
      }),
    );
    const machine = (await list()).connections.filter((c) => c.flow === 'M2M');
    assert.equal(machine.length, 1);
    assert.equal(machine[0]!.state, 'ACTIVE');
    assert.equal(machine[0]!.userHash, 'm2m', 'no user');
    assert.equal(machine[0]!.workloadName, 'agent', 'the workload that asked first');
    assert.deepEqual(machine[0]!.scopes, ['read']);
    assert.ok(!JSON.stringify(machine).includes(answer.accessToken!));
  });

  it('revokes by id: at the provider and in the vault, and the next request asks for consent', async () => {
    const { wat, id } = await consentAs(test, idp, 'ops-dave', ['read']);
    const { refreshToken } = (await connections.read(id))!.tokens;
    const revoked = await test.extension('RevokeResourceOauth2ConnectionById', { connectionId: id });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    assert.equal(revoked.body.state, 'REVOKED');
    assert.equal(await connections.read(id), undefined, 'the tokens are gone from the vault');
    assert.equal((await idp.redeemRefreshToken(refreshToken!)).status, 400, 'the provider refuses it');
    assert.ok((await askToken(test, wat, ['read'])).authorizationUrl, 'a new consent is asked for');
    assert.deepEqual(
      (await list({ state: 'REVOKED' })).connections.map((c) => c.connectionId),
      [id],
    );
  });

  it('answers ValidationException for bad input and ResourceNotFoundException for an unknown id', async () => {
    for (const [input, field] of [
      [{ state: 'EXPIRED' }, 'state'],
      [{ maxResults: 0 }, 'maxResults'],
      [{ maxResults: 101 }, 'maxResults'],
      [{ workloadName: 'no spaces allowed' }, 'workloadName'],
    ] as const) {
      const answer = await test.extension('ListResourceOauth2Connections', input);
      assert.equal(answer.status, 400);
      assert.equal(answer.type, 'ValidationException');
      assert.deepEqual(
        (answer.body.fieldList as { name: string }[]).map((f) => f.name),
        [field],
      );
    }
    for (const operation of ['GetResourceOauth2Connection', 'RevokeResourceOauth2ConnectionById']) {
      const missing = await test.extension(operation, { connectionId: 'no-such-connection' });
      assert.equal(missing.status, 404);
      assert.equal(missing.type, 'ResourceNotFoundException');
      assert.match(missing.body.message as string, /Connection no-such-connection does not exist/);
      const empty = await test.extension(operation, {});
      assert.equal(empty.type, 'ValidationException');
    }
  });

  it('checks each operation against the caller’s policy, on the token vault', async () => {
    const reader = await createPrincipal(
      test,
      'connections-reader',
      allow(
        ['ListResourceOauth2Connections', 'GetResourceOauth2Connection'],
        ['arn:*:acps:*:*:token-vault/default'],
      ),
    );
    const call = async (operation: string, body: unknown) => {
      const response = await signedFetch({
        url: test.stack.apiUrl,
        path: `/identities/${operation}`,
        body: JSON.stringify(body),
        credentials: reader,
        region: test.stack.config.deployment.region,
      });
      await response.text();
      return { status: response.status, type: response.headers.get('x-amzn-errortype') };
    };
    const [first] = (await list()).connections;
    assert.equal((await call('ListResourceOauth2Connections', {})).status, 200);
    assert.equal(
      (await call('GetResourceOauth2Connection', { connectionId: first!.connectionId })).status,
      200,
    );
    const refused = await call('RevokeResourceOauth2ConnectionById', { connectionId: first!.connectionId });
    assert.equal(refused.type, 'AccessDeniedException');
    assert.equal((await get(first!.connectionId as string)).state, first!.state, 'nothing was revoked');
  });
});
