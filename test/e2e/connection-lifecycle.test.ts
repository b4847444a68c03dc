import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenCommand,
  ValidationException,
  type BedrockAgentCoreClient,
} from '@aws-sdk/client-bedrock-agentcore';
import { CreateOauth2CredentialProviderCommand } from '@aws-sdk/client-bedrock-agentcore-control';
import { decodeJwt } from 'jose';
import { ConnectionsRepository } from '../../libs/vault/connections.repository';
import { lifecycleStatusQuery } from '../../workflows/connection-lifecycle/definitions';
import { askToken, consentAs, expireStoredToken, registerAgentAndIdp } from '../helpers/consent-flow';
import type { TestIdp } from '../helpers/oidc-idp';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

describe('connection lifecycles: scheduled and on-demand refresh, invalid_grant', () => {
  let test: TestStack;
  let idp: TestIdp;
  let data: BedrockAgentCoreClient;
  let connections: ConnectionsRepository;

  const ask = (wat: string, scopes: string[], extra: Record<string, unknown> = {}) =>
    askToken(test, wat, scopes, extra);
  const connect = (userId: string, scopes: string[]) => consentAs(test, idp, userId, scopes);
  const refreshes = (user: string) => idp.grants.get(`refresh_token:success:${user}`) ?? 0;

  before(async () => {
    test = await startTestStack(
      await testStackEnv({
        MANDATE_ALLOW_PRIVATE_NETWORK_URLS: 'true',
        MANDATE_REFRESH_SKEW_SECONDS: '4',
        MANDATE_REFRESH_JITTER_SECONDS: '0',
        MANDATE_LIFECYCLE_CYCLES_PER_RUN: '2',
      }),
    );
    idp = await registerAgentAndIdp(test, { accessTokenTtlSeconds: 8 });
    data = test.data();
    connections = new ConnectionsRepository(test.stack.runtime.db, test.stack.runtime.envelope);
  });
  after(async () => {
    await test?.destroy();
    await idp?.stop();
  });

  it('refreshes a short-lived token on its timer, before it expires, with the rotated refresh token', async () => {
    const before = refreshes('alice');
    const { wat, token, id } = await connect('alice', ['read', 'write']);
    const deadline = Date.now() + 15_000;
    let current = token;
    while (current === token && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      current = (await ask(wat, ['read', 'write'])).accessToken!;
    }
    assert.notEqual(current, token, 'the vault serves a refreshed token');
    assert.ok(refreshes('alice') > before);
    assert.equal(idp.grants.get('refresh_token:error') ?? 0, 0, 'no refresh token was reused');
    const { workflow } = test.stack.runtime.temporal;
    const handle = workflow.getHandle(`connection:${id}`);
    assert.ok((await handle.query(lifecycleStatusQuery)).cycles >= 1);

    // Two refreshes per run here (MANDATE_LIFECYCLE_CYCLES_PER_RUN): the third starts a new run.
    let status = await handle.query(lifecycleStatusQuery);
    const deadline3 = Date.now() + 30_000;
    while (status.cycles < 3 && Date.now() < deadline3) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      status = await handle.query(lifecycleStatusQuery);
    }
    assert.ok(status.cycles >= 3, `${status.cycles} refreshes counted across runs`);
    const runs: { runId: string; status: string }[] = [];
    for await (const run of workflow.list({ query: `WorkflowId = 'connection:${id}'` }))
      runs.push({ runId: run.runId, status: run.status.name });
    const continued = runs.find((r) => r.status === 'CONTINUED_AS_NEW');
    assert.ok(continued, `a run continued as new: ${JSON.stringify(runs)}`);
    assert.equal(refreshes('alice') - before, status.cycles, 'every refresh counted once, across runs');
    assert.equal(idp.grants.get('refresh_token:error') ?? 0, 0, 'no refresh token was reused');

    const history =
      (await workflow.getHandle(`connection:${id}`, continued.runId).fetchHistory()).events ?? [];
    const refreshStarts = history.flatMap((e, i) =>
      e.activityTaskScheduledEventAttributes?.activityType?.name === 'refreshConnection' ? [i] : [],
    );
    const perCycle = refreshStarts[1]! - refreshStarts[0]!;
    process.stdout.write(
      `# lifecycle history: ${history.length} events in a run of 2 refreshes (start and continue-as-new included); ${perCycle} events per refresh cycle\n`,
    );
    assert.equal(refreshStarts.length, 2);
    assert.ok(perCycle <= 12, 'a refresh cycle stays within 12 history events');
  });

  it('serves 100 concurrent requests for an expired token with exactly one token-endpoint refresh', async () => {
    const { wat, id } = await connect('bob', ['read']);
    // The token expired a moment ago; its lifecycle is asleep until its own (distant) timer.
    const stored = await expireStoredToken(test, id);
    const before = refreshes('bob');
    const answers = await Promise.all(Array.from({ length: 100 }, () => ask(wat, ['read'])));
    assert.equal(refreshes('bob') - before, 1, 'one refresh for 100 callers');
    const tokens = new Set(answers.map((a) => a.accessToken));
    assert.equal(tokens.size, 1, 'every caller got the same, new token');
    assert.ok(!tokens.has(stored.tokens.accessToken));
  });

  it('turns invalid_grant into a new consent: the next request gets an authorization URL', async () => {
    const { wat, id } = await connect('carol', ['read']);
    const stored = (await connections.read(id))!;
    // Someone else redeems the refresh token: it rotates, and the stored one is now spent.
    const spent = await idp.redeemRefreshToken(stored.tokens.refreshToken!);
    assert.equal(spent.status, 200);
    await expireStoredToken(test, id);
    const answer = await ask(wat, ['read']);
    assert.ok(answer.authorizationUrl, 'a fresh consent is needed');
    assert.equal(answer.accessToken, undefined);
    assert.equal(await connections.read(id), undefined, 'the dead tokens are gone');
  });

  it('issues M2M tokens with the client-credentials grant, once for concurrent callers, then from the vault', async () => {
    const wat = (await data.send(new GetWorkloadAccessTokenCommand({ workloadName: 'agent' })))
      .workloadAccessToken!;
    const machine = (scopes: string[]) =>
      data.send(
        new GetResourceOauth2TokenCommand({
          workloadIdentityToken: wat,
          resourceCredentialProviderName: 'idp',
          scopes,
          oauth2Flow: 'M2M',
        }),
      );
    const grants = () => idp.grants.get('client_credentials:success') ?? 0;
    const before = grants();
    const answers = await Promise.all(Array.from({ length: 10 }, () => machine(['read'])));
    assert.equal(new Set(answers.map((a) => a.accessToken)).size, 1);
    assert.equal(grants() - before, 1, 'one grant for 10 concurrent callers');
    assert.equal(decodeJwt(answers[0]!.accessToken!).client_id, idp.clientId);
    assert.equal((await machine(['read'])).accessToken, answers[0]!.accessToken, 'served from the vault');
    assert.equal(grants() - before, 1);
    const other = await machine(['write']);
    assert.notEqual(other.accessToken, answers[0]!.accessToken, 'another scope set is another token');
    assert.equal(grants() - before, 2);
  });

  it('re-reads a refused client secret once, then answers a clear error and leaves the provider alone', async () => {
    await test.control().send(
      new CreateOauth2CredentialProviderCommand({
        name: 'wrong-secret',
        credentialProviderVendor: 'CustomOauth2',
        oauth2ProviderConfigInput: {
          customOauth2ProviderConfig: {
            oauthDiscovery: { discoveryUrl: idp.discoveryUrl },
            clientId: idp.clientId,
            clientSecret: 'not-the-secret',
          },
        },
      }),
    );
    const wat = (await data.send(new GetWorkloadAccessTokenCommand({ workloadName: 'agent' })))
      .workloadAccessToken!;
    const machine = () =>
      data.send(
        new GetResourceOauth2TokenCommand({
          workloadIdentityToken: wat,
          resourceCredentialProviderName: 'wrong-secret',
          scopes: ['read'],
          oauth2Flow: 'M2M',
        }),
      );
    const refusals = () => idp.grants.get('error:invalid_client') ?? 0;
    const before = refusals();
    const refused = (err: unknown) => {
      assert.ok(err instanceof ValidationException);
      assert.match(err.message, /wrong-secret refused the request: invalid_client/);
      assert.deepEqual(
        err.fieldList?.map((f) => f.name),
        ['resourceCredentialProviderName'],
      );
      return true;
    };
    await assert.rejects(machine(), refused);
    assert.equal(refusals() - before, 2, 'one call, then one retry after re-reading the secret');
    await Promise.all(Array.from({ length: 5 }, () => assert.rejects(machine(), refused)));
    assert.equal(
      refusals() - before,
      2,
      'while paused, callers get the failure without calling the provider',
    );
  });

  it('revokes a connection: at the provider, in the vault, and the lifecycle ends', async () => {
    const { wat, id } = await connect('dave', ['read']);
    const stored = (await connections.read(id))!;
    const revoked = await test.extension('RevokeResourceOauth2Connection', {
      workloadIdentityToken: wat,
      resourceCredentialProviderName: 'idp',
    });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    assert.equal(await connections.read(id), undefined, 'the tokens are gone from the vault');
    const refresh = await idp.redeemRefreshToken(stored.tokens.refreshToken!);
    assert.equal(refresh.status, 400, 'the provider no longer honours the refresh token');
    const status = await test.stack.runtime.temporal.workflow
      .getHandle(`connection:${id}`)
      .query(lifecycleStatusQuery);
    assert.equal(status.state, 'REVOKED');
    assert.ok((await ask(wat, ['read'])).authorizationUrl, 'the next request starts a new consent');
  });
});
