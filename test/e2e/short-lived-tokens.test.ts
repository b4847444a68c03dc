import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenCommand,
  GetWorkloadAccessTokenForJWTCommand,
  type BedrockAgentCoreClient,
} from '@aws-sdk/client-bedrock-agentcore';
import { decodeJwt } from 'jose';
import { askToken, consentAs, createIdpProvider, registerAgentAndIdp } from '../helpers/consent-flow';
import { TEST_API_AUDIENCE, TOKEN_EXCHANGE, type TestIdp } from '../helpers/oidc-idp';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

/**
 * Providers that issue tokens living seconds, with the default refresh skew (120 s) that is longer
 * than their whole life: the vault still serves them, and no request costs a token-endpoint call.
 */
describe('short-lived tokens are served from the vault', () => {
  let test: TestStack;
  let idp: TestIdp;
  let data: BedrockAgentCoreClient;

  /** Calls `ask` every 100 ms for `ms`; every answer must be a token that has not expired. */
  const askRepeatedly = async (ms: number, ask: () => Promise<string>) => {
    const tokens: string[] = [];
    for (const deadline = Date.now() + ms; Date.now() < deadline;) {
      const token = await ask();
      const exp = decodeJwt(token).exp!;
      assert.ok(exp * 1000 > Date.now(), 'never served past expiry');
      tokens.push(token);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return tokens;
  };

  before(async () => {
    test = await startTestStack(await testStackEnv({ MANDATE_ALLOW_PRIVATE_NETWORK_URLS: 'true' }));
    // `write` tokens (user consent, on-behalf-of) live 30 s; client-credentials tokens 5 s.
    idp = await registerAgentAndIdp(test, { accessTokenTtlSeconds: 30, clientCredentialsTtlSeconds: 5 });
    const put = await test.extension('PutWorkloadIdentityAuthorizer', {
      name: 'agent',
      authorizerConfiguration: {
        customJWTAuthorizer: { discoveryUrl: idp.discoveryUrl, allowedAudience: [TEST_API_AUDIENCE] },
      },
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await createIdpProvider(test, idp, 'exchange', {
      clientSecret: idp.clientSecret,
      onBehalfOfTokenExchangeConfig: {
        grantType: 'TOKEN_EXCHANGE',
        tokenExchangeGrantTypeConfig: { actorTokenContent: 'NONE' },
      },
    });
    data = test.data();
  });
  after(async () => {
    await test?.destroy();
    await idp?.stop();
  });

  it('M2M: a 5 s token costs one grant per refresh at half life, not one per request', async () => {
    const wat = (await data.send(new GetWorkloadAccessTokenCommand({ workloadName: 'agent' })))
      .workloadAccessToken!;
    const grants = () => idp.grants.get('client_credentials:success') ?? 0;
    const before = grants();
    const tokens = await askRepeatedly(4000, async () => {
      const answer = await data.send(
        new GetResourceOauth2TokenCommand({
          workloadIdentityToken: wat,
          resourceCredentialProviderName: 'idp',
          scopes: ['read'],
          oauth2Flow: 'M2M',
        }),
      );
      return answer.accessToken!;
    });
    assert.ok(tokens.length >= 20, `asked ${tokens.length} times`);
    const made = grants() - before;
    // The first request's grant, then the lifecycle's refreshes at about 2.5 s intervals.
    assert.ok(made >= 1 && made <= 3, `${made} grants for ${tokens.length} requests in 4 s`);
    assert.ok(new Set(tokens).size <= made);
  });

  it('user consent: a 30 s token is served without a refresh for most of its life', async () => {
    const refreshes = () => idp.grants.get('refresh_token:success:alice') ?? 0;
    const { wat, token } = await consentAs(test, idp, 'alice', ['read', 'write']);
    const before = refreshes();
    const tokens = await askRepeatedly(
      3000,
      async () => (await askToken(test, wat, ['read', 'write'])).accessToken!,
    );
    assert.deepEqual(new Set(tokens), new Set([token]), 'the consented token, every time');
    assert.equal(refreshes() - before, 0, 'no refresh');
  });

  it('on-behalf-of: a 30 s exchanged token is exchanged once for many requests', async () => {
    const { accessToken: userToken } = await idp.login('bob');
    const wat = (
      await data.send(new GetWorkloadAccessTokenForJWTCommand({ workloadName: 'agent', userToken }))
    ).workloadAccessToken!;
    const exchanges = () =>
      idp.exchanges.filter((e) => e.grantType === TOKEN_EXCHANGE && e.sub === 'bob').length;
    const tokens = await askRepeatedly(3000, async () => {
      const answer = await data.send(
        new GetResourceOauth2TokenCommand({
          workloadIdentityToken: wat,
          resourceCredentialProviderName: 'exchange',
          scopes: ['read', 'write'],
          oauth2Flow: 'ON_BEHALF_OF_TOKEN_EXCHANGE',
        }),
      );
      return answer.accessToken!;
    });
    assert.equal(new Set(tokens).size, 1);
    assert.equal(exchanges(), 1, `one exchange for ${tokens.length} requests`);
  });
});
