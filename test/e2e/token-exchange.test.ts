import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenForJWTCommand,
  GetWorkloadAccessTokenForUserIdCommand,
  ValidationException,
  type BedrockAgentCoreClient,
} from '@aws-sdk/client-bedrock-agentcore';
import { CreateWorkloadIdentityCommand } from '@aws-sdk/client-bedrock-agentcore-control';
import { decodeJwt } from 'jose';
import { ExchangeSubjectsRepository } from '../../libs/vault/exchange-subjects.repository';
import { lifecycleStatusQuery } from '../../workflows/connection-lifecycle/definitions';
import {
  JWT_BEARER,
  startTestIdp,
  TEST_API_AUDIENCE,
  TOKEN_EXCHANGE,
  type TestIdp,
} from '../helpers/oidc-idp';
import { decodedHistory } from '../helpers/history';
import { createIdpProvider } from '../helpers/consent-flow';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

describe('on-behalf-of token exchange (RFC 8693, RFC 7523) against oidc-provider', () => {
  let test: TestStack;
  let idp: TestIdp;
  let data: BedrockAgentCoreClient;

  /** A provider at the test IdP with the given on-behalf-of configuration (or none). */
  const createProvider = (name: string, onBehalfOfTokenExchangeConfig?: Record<string, unknown>) =>
    createIdpProvider(test, idp, name, {
      clientSecret: idp.clientSecret,
      ...(onBehalfOfTokenExchangeConfig ? { onBehalfOfTokenExchangeConfig } : {}),
    });
  /** The user signs in at the IdP; the agent gets a workload access token bound to that JWT. */
  const watForUser = async (userId: string) => {
    const { accessToken } = await idp.login(userId);
    const wat = await data.send(
      new GetWorkloadAccessTokenForJWTCommand({ workloadName: 'agent', userToken: accessToken }),
    );
    return wat.workloadAccessToken!;
  };
  const obo = (wat: string, provider: string, scopes: string[]) =>
    data.send(
      new GetResourceOauth2TokenCommand({
        workloadIdentityToken: wat,
        resourceCredentialProviderName: provider,
        scopes,
        oauth2Flow: 'ON_BEHALF_OF_TOKEN_EXCHANGE',
      }),
    );
  const exchangesFor = (grantType: string, sub: string) =>
    idp.exchanges.filter((e) => e.grantType === grantType && e.sub === sub).length;

  before(async () => {
    idp = await startTestIdp({ accessTokenTtlSeconds: 8 });
    test = await startTestStack(
      await testStackEnv({ MANDATE_ALLOW_PRIVATE_NETWORK_URLS: 'true', MANDATE_REFRESH_SKEW_SECONDS: '4' }),
    );
    await test.control().send(new CreateWorkloadIdentityCommand({ name: 'agent' }));
    const put = await test.extension('PutWorkloadIdentityAuthorizer', {
      name: 'agent',
      authorizerConfiguration: {
        customJWTAuthorizer: { discoveryUrl: idp.discoveryUrl, allowedAudience: [TEST_API_AUDIENCE] },
      },
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await createProvider('exchange', {
      grantType: 'TOKEN_EXCHANGE',
      tokenExchangeGrantTypeConfig: { actorTokenContent: 'NONE' },
    });
    await createProvider('exchange-as-agent', {
      grantType: 'TOKEN_EXCHANGE',
      tokenExchangeGrantTypeConfig: { actorTokenContent: 'M2M', actorTokenScopes: ['read'] },
    });
    await createProvider('jwt-grant', { grantType: 'JWT_AUTHORIZATION_GRANT' });
    await createProvider('plain');
    data = test.data();
  });
  after(async () => {
    await test?.destroy();
    await idp?.stop();
  });

  it("exchanges the user's token bound to the WAT, once for concurrent callers, then serves it from the vault", async () => {
    const wat = await watForUser('alice');
    const answers = await Promise.all(Array.from({ length: 20 }, () => obo(wat, 'exchange', ['read'])));
    const tokens = new Set(answers.map((a) => a.accessToken));
    assert.equal(tokens.size, 1, 'every caller got the same token');
    assert.equal(exchangesFor(TOKEN_EXCHANGE, 'alice'), 1, 'one exchange for 20 concurrent callers');
    const claims = decodeJwt([...tokens][0]!);
    assert.equal(claims.sub, 'alice', 'the new token is for the user the WAT is bound to');
    assert.equal(claims.act, undefined, 'no actor was asked for');
    assert.equal((await obo(wat, 'exchange', ['read'])).accessToken, [...tokens][0]);
    assert.equal(exchangesFor(TOKEN_EXCHANGE, 'alice'), 1, 'served from the vault');

    const bob = await obo(await watForUser('bob'), 'exchange', ['read']);
    assert.equal(decodeJwt(bob.accessToken!).sub, 'bob', "another user's WAT gets that user's token");
  });

  it("sends the agent's own M2M token as actor_token where the provider asks for it", async () => {
    const answer = await obo(await watForUser('alice'), 'exchange-as-agent', ['read']);
    const claims = decodeJwt(answer.accessToken!);
    assert.equal(claims.sub, 'alice');
    assert.deepEqual(claims.act, { sub: idp.clientId }, 'the IdP saw the agent as actor');
  });

  it('uses the RFC 7523 JWT authorization grant where configured', async () => {
    const before = exchangesFor(JWT_BEARER, 'bob');
    const answer = await obo(await watForUser('bob'), 'jwt-grant', ['read']);
    assert.equal(decodeJwt(answer.accessToken!).sub, 'bob');
    assert.equal(exchangesFor(JWT_BEARER, 'bob') - before, 1);
  });

  it('renews a short-lived exchanged token on its timer while the user token lives', async () => {
    const wat = await watForUser('carol');
    const first = (await obo(wat, 'exchange', ['read', 'write'])).accessToken!;
    const deadline = Date.now() + 15_000;
    let current = first;
    while (current === first && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      current = (await obo(wat, 'exchange', ['read', 'write'])).accessToken!;
    }
    assert.notEqual(current, first, 'the lifecycle exchanged again before expiry');
    assert.ok(exchangesFor(TOKEN_EXCHANGE, 'carol') >= 2);
  });

  it("revokes the user's on-behalf-of connections with the user's connection: the next call exchanges anew", async () => {
    const { db } = test.stack.runtime;
    const stored = async () =>
      new Set(
        (
          await db.selectFrom('connections').select('id').where('provider_name', '=', 'exchange').execute()
        ).map((row) => row.id),
      );
    // Other users' rows come and go on their own (their 8 s user tokens expire), so frank's rows are
    // told apart as the ones his calls added.
    const earlier = await stored();
    const wat = await watForUser('frank');
    const first = (await obo(wat, 'exchange', ['read'])).accessToken!;
    const second = (await obo(wat, 'exchange', ['read', 'write'])).accessToken!;
    assert.equal(exchangesFor(TOKEN_EXCHANGE, 'frank'), 2, 'two request shapes, two connections');
    const franks = [...(await stored())].filter((id) => !earlier.has(id));
    assert.equal(franks.length, 2);
    const before = await stored();
    await obo(await watForUser('grace'), 'exchange', ['read']);
    const graces = [...(await stored())].filter((id) => !before.has(id));
    assert.equal(graces.length, 1);

    const revoked = await test.extension('RevokeResourceOauth2Connection', {
      workloadIdentityToken: wat,
      resourceCredentialProviderName: 'exchange',
    });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    const after = await stored();
    for (const id of franks) assert.ok(!after.has(id), "frank's connection left the vault");
    assert.ok(after.has(graces[0]!), "another user's connection to the same provider stays");
    const subjects = new Set(
      (await db.selectFrom('exchange_subjects').select('connection_id').execute()).map(
        (row) => row.connection_id,
      ),
    );
    for (const id of franks) assert.ok(!subjects.has(id), 'the sealed user token went too');

    const again = (await obo(wat, 'exchange', ['read'])).accessToken!;
    assert.notEqual(again, first);
    assert.notEqual(again, second);
    assert.equal(exchangesFor(TOKEN_EXCHANGE, 'frank'), 3, 'exchanged anew after the revocation');
  });

  it('refuses what cannot be exchanged with ValidationException naming the field', async () => {
    const noJwt = (
      await data.send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName: 'agent', userId: 'dave' }))
    ).workloadAccessToken!;
    await assert.rejects(obo(noJwt, 'exchange', ['read']), (err: unknown) => {
      assert.ok(err instanceof ValidationException);
      assert.match(err.message, /user JWT/);
      assert.deepEqual(
        err.fieldList?.map((f) => f.name),
        ['workloadIdentityToken'],
      );
      return true;
    });
    await assert.rejects(obo(await watForUser('alice'), 'plain', ['read']), (err: unknown) => {
      assert.ok(err instanceof ValidationException);
      assert.deepEqual(
        err.fieldList?.map((f) => f.name),
        ['resourceCredentialProviderName'],
      );
      return true;
    });
  });

  it('keeps the user token only sealed in the vault, never in the lifecycle history', async () => {
    const { accessToken: userToken } = await idp.login('erin');
    const wat = (
      await data.send(new GetWorkloadAccessTokenForJWTCommand({ workloadName: 'agent', userToken }))
    ).workloadAccessToken!;
    const issued = (await obo(wat, 'exchange', ['read'])).accessToken!;
    const rows = await test.stack.runtime.db.selectFrom('exchange_subjects').selectAll().execute();
    assert.ok(rows.length > 0);
    for (const row of rows) assert.ok(!JSON.stringify(row).includes(userToken.split('.')[1]!));
    const subjects = new ExchangeSubjectsRepository(test.stack.runtime.db, test.stack.runtime.envelope);
    const opened = await Promise.all(rows.map((r) => subjects.read(r.connection_id)));
    assert.ok(
      opened.some((s) => s?.subjectToken === userToken),
      'the sealed row opens to the user token',
    );

    const lifecycles = test.stack.runtime.temporal.workflow.list({
      query: `MandateFlow = 'ON_BEHALF_OF_TOKEN_EXCHANGE'`,
    });
    let seen = 0;
    for await (const execution of lifecycles) {
      const { runtime } = test.stack;
      const history = await decodedHistory(runtime.temporal, runtime.payloadCodec, execution.workflowId);
      for (const secret of [userToken, issued, idp.clientSecret])
        assert.ok(!history.text.includes(secret), `a secret appears in ${execution.workflowId}`);
      assert.deepEqual(history.plain, [], 'every payload outside search attributes is encrypted');
      if (execution.status.name !== 'RUNNING') continue; // revoked above
      const handle = runtime.temporal.workflow.getHandle(execution.workflowId);
      assert.ok(['ACTIVE', 'REFRESHING'].includes((await handle.query(lifecycleStatusQuery)).state));
      seen += 1;
    }
    assert.ok(seen >= 1);
  });
});
