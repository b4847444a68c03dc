import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { decodeJwt } from 'jose';
import { ClientError } from 'openid-client';
import { withClientSecretRetry } from '../../activities/oauth/provider-client';
import {
  startTestIdp,
  TEST_API_AUDIENCE,
  TOKEN_EXCHANGE,
  JWT_BEARER,
  type TestIdp,
} from '../../test/helpers/oidc-idp';
import type { Oauth2ProviderConfig } from '../providers/provider-config';
import {
  AuthorizationResponseError,
  OAuthClients,
  OAuthError,
  randomValues,
  ResponseBodyError,
  WWWAuthenticateChallengeError,
  type ProviderClient,
} from './oauth-client';

/** Rejects with `ResponseBodyError` or a 401 challenge carrying this OAuth error code; answers the error. */
async function oauthRefusal(promise: Promise<unknown>, code: string, status: number): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ResponseBodyError) {
      assert.equal(err.error, code, err.message);
      assert.equal(err.status, status);
      return err;
    }
    if (err instanceof WWWAuthenticateChallengeError) {
      assert.equal(err.status, status);
      assert.equal(err.cause.map((c) => c.parameters.error).find(Boolean), code);
      return err;
    }
    assert.fail(`expected ${code}, got ${String(err)}`);
  }
  return assert.fail(`expected ${code}, the call succeeded`);
}

/** What a tiny token endpoint saw and will answer. */
interface TokenEndpoint {
  url: string;
  requests: { authorization?: string; body: URLSearchParams }[];
  answer: { status: number; body: string; headers?: Record<string, string> };
}

const bodyOf = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString()));
    req.on('end', () => resolve(data));
  });

describe('OAuthClients', () => {
  let idp: TestIdp;
  let tokenServer: Server;
  const endpoint: TokenEndpoint = { url: '', requests: [], answer: { status: 200, body: '{}' } };
  const fetched: string[] = [];
  const countingFetch: typeof fetch = (input, init) => {
    fetched.push(String(input instanceof Request ? input.url : input));
    return fetch(input, init);
  };
  const oauth = new OAuthClients({ fetch: countingFetch, allowInsecureRequests: true });

  before(async () => {
    idp = await startTestIdp();
    tokenServer = createServer((req, res) => {
      void bodyOf(req).then((body) => {
        endpoint.requests.push({
          ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
          body: new URLSearchParams(body),
        });
        res
          .writeHead(endpoint.answer.status, {
            'content-type': 'application/json',
            ...endpoint.answer.headers,
          })
          .end(endpoint.answer.body);
      });
    });
    await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
    endpoint.url = `http://127.0.0.1:${(tokenServer.address() as { port: number }).port}/token`;
  });
  after(async () => {
    await idp.stop();
    tokenServer.closeAllConnections();
    await new Promise<void>((resolve) => tokenServer.close(() => resolve()));
  });

  const atIdp = (overrides: Partial<ProviderClient> = {}): ProviderClient => ({
    name: 'idp',
    vendor: 'CustomOauth2',
    config: {
      member: 'customOauth2ProviderConfig',
      clientId: idp.clientId,
      discovery: { discoveryUrl: idp.discoveryUrl },
    },
    clientSecret: idp.clientSecret,
    version: 'v1',
    ...overrides,
  });

  /** A provider with fixed metadata whose token endpoint is the tiny server. */
  const atTokenServer = (
    vendor: string,
    config: Partial<Oauth2ProviderConfig> = {},
    methods?: ('client_secret_basic' | 'client_secret_post')[],
  ): ProviderClient => ({
    name: `fixed-${vendor}-${config.clientAuthenticationMethod ?? methods?.join() ?? 'default'}`,
    vendor,
    config: {
      member: 'customOauth2ProviderConfig',
      clientId: 'fixed-client',
      discovery: {
        authorizationServerMetadata: {
          issuer: 'https://fixed.example',
          authorizationEndpoint: 'https://fixed.example/authorize?tenant=t1',
          tokenEndpoint: endpoint.url,
          ...(methods ? { tokenEndpointAuthMethods: methods } : {}),
        },
      },
      ...config,
    },
    clientSecret: 'fixed-secret',
    version: 'v1',
  });

  /** Runs the code flow through the real IdP's login and consent pages; answers the redirect and checks. */
  async function consent(
    user: string,
    request: { scopes?: string[]; nonce?: boolean; resources?: string[]; deny?: boolean } = {},
  ) {
    const codeVerifier = randomValues.codeVerifier();
    const state = randomValues.state();
    const nonce = request.nonce === false ? undefined : randomValues.nonce();
    const url = await oauth.authorizationUrl(atIdp(), {
      redirectUri: idp.redirectUri,
      scopes: request.scopes ?? ['openid', 'read', 'offline_access'],
      state,
      codeChallenge: await randomValues.codeChallenge(codeVerifier),
      ...(nonce ? { nonce } : {}),
      resources: request.resources ?? [TEST_API_AUDIENCE],
      customParameters: { prompt: 'consent' },
    });
    const callback = await idp.authorize(url.href, user, { deny: request.deny ?? false });
    return { callback, codeVerifier, state, ...(nonce ? { nonce } : {}) };
  }

  describe('authorization URL', () => {
    it('carries the PKCE S256 challenge, state, nonce, scopes, resources, audiences and custom parameters', async () => {
      const codeVerifier = randomValues.codeVerifier();
      const codeChallenge = await randomValues.codeChallenge(codeVerifier);
      assert.equal(codeChallenge, createHash('sha256').update(codeVerifier).digest('base64url'));
      const url = await oauth.authorizationUrl(atIdp(), {
        redirectUri: idp.redirectUri,
        scopes: ['openid', 'read', 'write'],
        state: 'state-1',
        codeChallenge,
        nonce: 'nonce-1',
        resources: [TEST_API_AUDIENCE, 'https://second.api'],
        audiences: ['aud-1', 'aud-2'],
        customParameters: { login_hint: 'alice@example.com', prompt: 'consent' },
      });
      assert.equal(`${url.origin}${url.pathname}`, `${idp.issuer}/auth`);
      const p = url.searchParams;
      assert.equal(p.get('client_id'), idp.clientId);
      assert.equal(p.get('response_type'), 'code');
      assert.equal(p.get('redirect_uri'), idp.redirectUri);
      assert.equal(p.get('state'), 'state-1');
      assert.equal(p.get('nonce'), 'nonce-1');
      assert.equal(p.get('code_challenge'), codeChallenge);
      assert.equal(p.get('code_challenge_method'), 'S256');
      assert.equal(p.get('scope'), 'openid read write');
      assert.deepEqual(p.getAll('resource'), [TEST_API_AUDIENCE, 'https://second.api']);
      assert.deepEqual(p.getAll('audience'), ['aud-1', 'aud-2']);
      assert.equal(p.get('login_hint'), 'alice@example.com');
      assert.equal(p.get('prompt'), 'consent');
      assert.ok(!p.has('code_verifier'));
    });

    it('leaves out the nonce when there is none', async () => {
      const url = await oauth.authorizationUrl(atIdp(), {
        redirectUri: idp.redirectUri,
        scopes: ['read'],
        state: 's',
        codeChallenge: 'c',
      });
      assert.ok(!url.searchParams.has('nonce'));
      assert.ok(!url.searchParams.has('resource'));
    });

    it('never lets custom parameters override a standard one', async () => {
      const url = await oauth.authorizationUrl(atIdp(), {
        redirectUri: idp.redirectUri,
        scopes: ['read'],
        state: 'state-1',
        codeChallenge: 'challenge-1',
        customParameters: {
          state: 'evil',
          redirect_uri: 'https://evil.example/cb',
          response_type: 'token',
          code_challenge: 'evil',
          code_challenge_method: 'plain',
          scope: 'admin',
        },
      });
      const p = url.searchParams;
      assert.deepEqual(p.getAll('state'), ['state-1']);
      assert.deepEqual(p.getAll('redirect_uri'), [idp.redirectUri]);
      assert.deepEqual(p.getAll('response_type'), ['code']);
      assert.deepEqual(p.getAll('code_challenge'), ['challenge-1']);
      assert.deepEqual(p.getAll('code_challenge_method'), ['S256']);
      assert.deepEqual(p.getAll('scope'), ['read']);
    });

    it('never lets a custom parameter replace the client id', async () => {
      const url = await oauth.authorizationUrl(atIdp(), {
        redirectUri: idp.redirectUri,
        scopes: ['read'],
        state: 'state-1',
        codeChallenge: 'challenge-1',
        customParameters: { client_id: 'someone-elses-app' },
      });
      assert.deepEqual(url.searchParams.getAll('client_id'), [idp.clientId]);
    });

    it('applies vendor quirks from the catalog: Slack user_scope with commas, Atlassian audience and prompt', async () => {
      const slack = await oauth.authorizationUrl(atTokenServer('SlackOauth2'), {
        redirectUri: 'https://mandate.example/cb',
        scopes: ['search:read', 'users:read'],
        state: 's',
        codeChallenge: 'c',
      });
      assert.equal(slack.searchParams.get('user_scope'), 'search:read,users:read');
      assert.ok(!slack.searchParams.has('scope'));
      // The fixed endpoint's own query is kept.
      assert.equal(slack.searchParams.get('tenant'), 't1');

      const atlassian = await oauth.authorizationUrl(atTokenServer('AtlassianOauth2'), {
        redirectUri: 'https://mandate.example/cb',
        scopes: ['read:jira-work'],
        state: 's',
        codeChallenge: 'c',
        customParameters: { prompt: 'none' },
      });
      assert.equal(atlassian.searchParams.get('audience'), 'api.atlassian.com');
      // The vendor's quirk wins over a custom parameter.
      assert.equal(atlassian.searchParams.get('prompt'), 'consent');
    });
  });

  describe('grants at the in-process IdP', () => {
    it('redeems a code for tokens bound to the nonce and the requested resource', async () => {
      const { callback, ...checks } = await consent('alice');
      assert.equal(callback.searchParams.get('state'), checks.state);
      const tokens = await oauth.redeemCode(atIdp(), callback, checks);
      assert.equal(tokens.tokenType, 'bearer');
      assert.equal(tokens.expiresIn, 3600);
      // The access token is for the resource, so it carries the resource's scopes only.
      assert.equal(tokens.scope, 'read');
      assert.ok(tokens.refreshToken);
      const access = decodeJwt(tokens.accessToken);
      assert.equal(access.sub, 'alice');
      assert.equal(access.aud, TEST_API_AUDIENCE);
      assert.equal(decodeJwt(tokens.idToken!).nonce, checks.nonce);
    });

    it('redeems a code without a nonce and without expecting an ID token', async () => {
      const { callback, ...checks } = await consent('bob', { scopes: ['read'], nonce: false });
      const tokens = await oauth.redeemCode(atIdp(), callback, checks);
      assert.equal(tokens.idToken, undefined);
      assert.equal(tokens.refreshToken, undefined);
      assert.equal(decodeJwt(tokens.accessToken).sub, 'bob');
    });

    it('refuses a code redeemed twice with invalid_grant', async () => {
      const { callback, ...checks } = await consent('alice');
      await oauth.redeemCode(atIdp(), callback, checks);
      await oauthRefusal(oauth.redeemCode(atIdp(), callback, checks), 'invalid_grant', 400);
    });

    it('refuses a code with the wrong PKCE verifier with invalid_grant', async () => {
      const { callback, ...checks } = await consent('alice');
      await oauthRefusal(
        oauth.redeemCode(atIdp(), callback, { ...checks, codeVerifier: randomValues.codeVerifier() }),
        'invalid_grant',
        400,
      );
    });

    it('checks the state and the nonce before trusting the callback', async () => {
      const { callback, ...checks } = await consent('alice');
      const refusedBy = (code: string, cause: RegExp) => (err: unknown) =>
        err instanceof ClientError && err.code === code && cause.test((err.cause as Error).message);
      await assert.rejects(
        oauth.redeemCode(atIdp(), callback, { ...checks, state: 'other' }),
        refusedBy('OAUTH_INVALID_RESPONSE', /"state"/),
      );
      await assert.rejects(
        oauth.redeemCode(atIdp(), callback, { ...checks, nonce: 'other' }),
        refusedBy('OAUTH_JWT_CLAIM_COMPARISON_FAILED', /"nonce"/),
      );
    });

    it('reports a denied consent as an AuthorizationResponseError with access_denied', async () => {
      const { callback, ...checks } = await consent('alice', { deny: true });
      await assert.rejects(
        oauth.redeemCode(atIdp(), callback, checks),
        (err: unknown) => err instanceof AuthorizationResponseError && err.error === 'access_denied',
      );
    });

    it('refreshes with a rotated refresh token; the spent one is refused with invalid_grant', async () => {
      const { callback, ...checks } = await consent('alice');
      const first = await oauth.redeemCode(atIdp(), callback, checks);
      const second = await oauth.refresh(atIdp(), first.refreshToken!);
      assert.ok(second.refreshToken);
      assert.notEqual(second.refreshToken, first.refreshToken);
      assert.notEqual(second.accessToken, first.accessToken);
      assert.equal(decodeJwt(second.accessToken).sub, 'alice');
      await oauthRefusal(oauth.refresh(atIdp(), first.refreshToken!), 'invalid_grant', 400);
      await oauthRefusal(oauth.refresh(atIdp(), 'never-issued'), 'invalid_grant', 400);
    });

    it('revokes a refresh token at the revocation endpoint', async () => {
      const { callback, ...checks } = await consent('alice');
      const tokens = await oauth.redeemCode(atIdp(), callback, checks);
      assert.equal(await oauth.revoke(atIdp(), tokens.refreshToken!, 'refresh_token'), true);
      await oauthRefusal(oauth.refresh(atIdp(), tokens.refreshToken!), 'invalid_grant', 400);
    });

    it('answers false for revocation when the provider has no revocation endpoint, without a request', async () => {
      const provider = atTokenServer('CustomOauth2');
      const before = endpoint.requests.length;
      assert.equal(await oauth.revoke(provider, 'token', 'access_token'), false);
      assert.equal(endpoint.requests.length, before);
    });

    it('grants client credentials for the requested scopes and resource', async () => {
      const tokens = await oauth.clientCredentials(atIdp(), {
        scopes: ['read'],
        resources: [TEST_API_AUDIENCE],
      });
      assert.equal(tokens.refreshToken, undefined);
      assert.equal(tokens.expiresIn, 600);
      const access = decodeJwt(tokens.accessToken);
      assert.equal(access.aud, TEST_API_AUDIENCE);
      assert.equal(access.client_id, idp.clientId);
      assert.equal(access.scope, 'read');
    });

    it('exchanges a user token on behalf of the user, with and without an actor token', async () => {
      const { accessToken: userToken } = await idp.login('bob');
      const before = idp.exchanges.length;
      const plain = await oauth.exchange(atIdp(), {
        grantType: 'TOKEN_EXCHANGE',
        subjectToken: userToken,
        scopes: ['read'],
        audiences: [TEST_API_AUDIENCE],
      });
      assert.equal(decodeJwt(plain.accessToken).sub, 'bob');
      const actor = await oauth.clientCredentials(atIdp(), {
        scopes: ['read'],
        resources: [TEST_API_AUDIENCE],
      });
      const acting = await oauth.exchange(atIdp(), {
        grantType: 'TOKEN_EXCHANGE',
        subjectToken: userToken,
        actorToken: actor.accessToken,
        scopes: ['read', 'write'],
      });
      assert.deepEqual(decodeJwt(acting.accessToken).act, { sub: idp.clientId });
      const assertion = await oauth.exchange(atIdp(), {
        grantType: 'JWT_AUTHORIZATION_GRANT',
        subjectToken: userToken,
        scopes: ['read'],
      });
      assert.equal(assertion.scope, 'read');
      assert.deepEqual(idp.exchanges.slice(before), [
        { grantType: TOKEN_EXCHANGE, sub: 'bob', scope: 'read' },
        { grantType: TOKEN_EXCHANGE, sub: 'bob', actor: idp.clientId, scope: 'read write' },
        { grantType: JWT_BEARER, sub: 'bob', scope: 'read' },
      ]);
    });

    it('refuses an exchange of a token the IdP did not issue with invalid_grant', async () => {
      await oauthRefusal(
        oauth.exchange(atIdp(), { grantType: 'TOKEN_EXCHANGE', subjectToken: 'not-a-token', scopes: [] }),
        'invalid_grant',
        400,
      );
    });

    it('reports a wrong client secret as invalid_client, which the activity funnel types invalid_client', async () => {
      const wrong = atIdp({ clientSecret: 'wrong-secret', version: 'wrong' });
      await oauthRefusal(oauth.refresh(wrong, 'whatever'), 'invalid_client', 401);
      await assert.rejects(
        withClientSecretRetry(() => oauth.clientCredentials(wrong, { scopes: ['read'] })),
        (err: unknown) =>
          err instanceof ApplicationFailure && err.type === 'invalid_client' && err.nonRetryable,
      );
      await assert.rejects(
        withClientSecretRetry(() => oauth.refresh(atIdp(), 'never-issued')),
        (err: unknown) =>
          err instanceof ApplicationFailure && err.type === 'invalid_grant' && err.nonRetryable,
      );
    });
  });

  describe('configuration cache', () => {
    it('discovers once per provider version and secret, and again after forget', async () => {
      const local = new OAuthClients({ fetch: countingFetch, allowInsecureRequests: true });
      const discoveries = () => fetched.filter((u) => u === idp.discoveryUrl).length;
      const start = discoveries();
      const provider = atIdp({ name: 'cached' });
      assert.equal(await local.configuration(provider), await local.configuration(provider));
      assert.equal(discoveries() - start, 1);
      await local.configuration({ ...provider, version: 'v2' });
      assert.equal(discoveries() - start, 2);
      await local.configuration({ ...provider, version: 'v2', clientSecret: 'rotated' });
      assert.equal(discoveries() - start, 3);
      local.forget('cached');
      await local.configuration(provider);
      assert.equal(discoveries() - start, 4);
    });

    it('does not keep a failed discovery', async () => {
      let fail = true;
      const flaky = new OAuthClients({
        fetch: (input, init) =>
          fail ? Promise.reject(new TypeError('fetch failed')) : countingFetch(input, init),
        allowInsecureRequests: true,
      });
      await assert.rejects(
        flaky.configuration(atIdp({ name: 'flaky' })),
        (err: unknown) =>
          err instanceof OAuthError &&
          err.code === 'discovery_failed' &&
          err.message ===
            'The discovery document of credential provider flaky could not be read; try again later' &&
          (err.cause as Error).message === 'fetch failed',
      );
      fail = false;
      assert.equal((await flaky.configuration(atIdp({ name: 'flaky' }))).serverMetadata().issuer, idp.issuer);
    });

    it('refuses plain http discovery unless insecure requests are allowed', async () => {
      const strict = new OAuthClients({ fetch: countingFetch, allowInsecureRequests: false });
      await assert.rejects(
        strict.configuration(atIdp({ name: 'strict' })),
        (err: unknown) =>
          err instanceof OAuthError &&
          err.code === 'discovery_failed' &&
          (err.cause as { code?: string }).code === 'OAUTH_HTTP_REQUEST_FORBIDDEN' &&
          (err.cause as Error).message === 'only requests to HTTPS are allowed',
      );
    });
  });

  describe('token endpoint faults (a tiny node:http server)', () => {
    const ok = (body: Record<string, unknown>) => ({ status: 200, body: JSON.stringify(body) });

    it('authenticates with client_secret_basic by default, and with client_secret_post when configured or listed', async () => {
      endpoint.answer = ok({ access_token: 'at', token_type: 'Bearer' });
      const basic = atTokenServer('CustomOauth2');
      await oauth.clientCredentials(basic, { scopes: ['read'] });
      const sent = endpoint.requests.at(-1)!;
      // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64, so '-' travels as %2D.
      const [scheme, credentials = ''] = (sent.authorization ?? '').split(' ');
      assert.equal(scheme, 'Basic');
      const decoded = Buffer.from(credentials, 'base64').toString();
      assert.equal(decoded, 'fixed%2Dclient:fixed%2Dsecret');
      assert.deepEqual(decoded.split(':').map(decodeURIComponent), ['fixed-client', 'fixed-secret']);
      assert.equal(sent.body.get('client_secret'), null);
      assert.equal(sent.body.get('grant_type'), 'client_credentials');
      assert.equal(sent.body.get('scope'), 'read');

      for (const post of [
        atTokenServer('CustomOauth2', { clientAuthenticationMethod: 'CLIENT_SECRET_POST' }),
        atTokenServer('CustomOauth2', {}, ['client_secret_post']),
      ]) {
        await oauth.clientCredentials(post, { scopes: [] });
        const viaPost = endpoint.requests.at(-1)!;
        assert.equal(viaPost.authorization, undefined);
        assert.equal(viaPost.body.get('client_id'), 'fixed-client');
        assert.equal(viaPost.body.get('client_secret'), 'fixed-secret');
        assert.equal(viaPost.body.has('scope'), false);
      }
    });

    it('sends resource and audience repeated, and the token exchange parameters', async () => {
      endpoint.answer = ok({ access_token: 'at', token_type: 'Bearer', expires_in: '120' });
      const tokens = await oauth.exchange(atTokenServer('CustomOauth2'), {
        grantType: 'TOKEN_EXCHANGE',
        subjectToken: 'user-token',
        actorToken: 'actor-token',
        scopes: ['a', 'b'],
        resources: ['r1', 'r2'],
        audiences: ['x', 'y'],
      });
      // A string expires_in is read as seconds.
      assert.equal(tokens.expiresIn, 120);
      const body = endpoint.requests.at(-1)!.body;
      assert.equal(body.get('grant_type'), TOKEN_EXCHANGE);
      assert.equal(body.get('subject_token'), 'user-token');
      assert.equal(body.get('subject_token_type'), 'urn:ietf:params:oauth:token-type:access_token');
      assert.equal(body.get('actor_token'), 'actor-token');
      assert.equal(body.get('actor_token_type'), 'urn:ietf:params:oauth:token-type:access_token');
      assert.equal(body.get('scope'), 'a b');
      assert.deepEqual(body.getAll('resource'), ['r1', 'r2']);
      assert.deepEqual(body.getAll('audience'), ['x', 'y']);
    });

    it('reports a 503, even with an OAuth error body, as a non-conforming response the funnel leaves retryable', async () => {
      // oauth4webapi reads OAuth error bodies of 4xx answers only.
      endpoint.answer = { status: 503, body: JSON.stringify({ error: 'temporarily_unavailable' }) };
      const provider = atTokenServer('CustomOauth2');
      const notConform = (err: unknown) =>
        err instanceof ClientError &&
        err.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' &&
        (err.cause as Response).status === 503;
      await assert.rejects(oauth.refresh(provider, 'rt'), notConform);
      await assert.rejects(
        withClientSecretRetry(() => oauth.refresh(provider, 'rt')),
        notConform,
      );
    });

    it('reports a 400 OAuth error body with its code, which the funnel types as permanent', async () => {
      endpoint.answer = {
        status: 400,
        body: JSON.stringify({ error: 'invalid_grant', error_description: 'rt-1 expired' }),
      };
      const provider = atTokenServer('CustomOauth2');
      await oauthRefusal(oauth.refresh(provider, 'rt-1'), 'invalid_grant', 400);
      await assert.rejects(
        withClientSecretRetry(() => oauth.refresh(provider, 'rt-1')),
        (err: unknown) =>
          err instanceof ApplicationFailure &&
          err.type === 'invalid_grant' &&
          err.message === 'The token endpoint refused the request: invalid_grant',
      );
    });

    it('fails, without an OAuth error code, on a 503 HTML page, malformed JSON, or no access token', async () => {
      const provider = atTokenServer('CustomOauth2');
      for (const answer of [
        { status: 503, body: '<html>Service Unavailable</html>', headers: { 'content-type': 'text/html' } },
        { status: 200, body: '{"access_token": "at", ' },
        ok({ token_type: 'Bearer' }),
        ok({ access_token: '', token_type: 'Bearer' }),
      ]) {
        endpoint.answer = answer;
        await assert.rejects(
          oauth.refresh(provider, 'rt'),
          (err: unknown) => err instanceof Error && !(err instanceof ResponseBodyError),
          JSON.stringify(answer),
        );
        // Not a permanent OAuth refusal: Temporal may retry it.
        await assert.rejects(
          withClientSecretRetry(() => oauth.refresh(provider, 'rt')),
          (err: unknown) => !(err instanceof ApplicationFailure),
        );
      }
    });

    it('reads the optional fields of a token response as sent', async () => {
      endpoint.answer = ok({
        access_token: 'at',
        token_type: 'DPoP',
        refresh_token: 'rt-2',
        id_token: undefined,
        scope: 'a b',
      });
      const tokens = await oauth.refresh(atTokenServer('CustomOauth2'), 'rt-1');
      assert.deepEqual(tokens, { accessToken: 'at', refreshToken: 'rt-2', tokenType: 'dpop', scope: 'a b' });
      assert.equal(endpoint.requests.at(-1)!.body.get('refresh_token'), 'rt-1');
    });

    it("takes Slack's user token from authed_user (the vendor's accessTokenPath) when nothing is at the top level", async () => {
      // Slack answers a user-scope-only install with the user's token under authed_user and no
      // top-level access_token or token_type.
      endpoint.answer = ok({
        ok: true,
        app_id: 'A0118NQPZZC',
        authed_user: {
          id: 'U065VRX1T0',
          scope: 'search:read',
          access_token: 'xoxp-user',
          token_type: 'user',
        },
        team: { id: 'T0' },
      });
      const slack = atTokenServer('SlackOauth2');
      const callback = new URL('https://mandate.example/cb?code=c&state=s');
      const tokens = await oauth.redeemCode(slack, callback, {
        codeVerifier: randomValues.codeVerifier(),
        state: 's',
      });
      assert.equal(tokens.accessToken, 'xoxp-user');
    });

    it('reports a token answer without the token at the vendor path as OAuthError no_access_token', async () => {
      endpoint.answer = ok({ ok: true, access_token: 'at', token_type: 'Bearer' });
      const slack = atTokenServer('SlackOauth2');
      const callback = new URL('https://mandate.example/cb?code=c&state=s');
      await assert.rejects(
        oauth.redeemCode(slack, callback, { codeVerifier: randomValues.codeVerifier(), state: 's' }),
        (err: unknown) =>
          err instanceof OAuthError &&
          err.code === 'no_access_token' &&
          err.message === 'The token response holds no access token',
      );
    });

    it("takes Slack's user token from authed_user when the top level carries a bot token of type bot", async () => {
      endpoint.answer = ok({
        ok: true,
        access_token: 'xoxb-bot',
        token_type: 'bot',
        authed_user: { id: 'U1', access_token: 'xoxp-user', token_type: 'user' },
      });
      const slack = atTokenServer('SlackOauth2', {}, ['client_secret_post']);
      const callback = new URL('https://mandate.example/cb?code=c&state=s');
      const tokens = await oauth.redeemCode(slack, callback, {
        codeVerifier: randomValues.codeVerifier(),
        state: 's',
      });
      assert.equal(tokens.accessToken, 'xoxp-user');
      const sent = endpoint.requests.at(-1)!.body;
      assert.equal(sent.get('grant_type'), 'authorization_code');
      assert.equal(sent.get('code'), 'c');
      assert.equal(sent.get('redirect_uri'), 'https://mandate.example/cb');
      // Slack lists client_secret_post.
      assert.equal(sent.get('client_secret'), 'fixed-secret');
    });
  });
});
