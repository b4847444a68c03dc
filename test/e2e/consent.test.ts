import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AccessDeniedException,
  CompleteResourceTokenAuthCommand,
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenForJWTCommand,
  GetWorkloadAccessTokenForUserIdCommand,
  ValidationException,
  type BedrockAgentCoreClient,
} from '@aws-sdk/client-bedrock-agentcore';
import {
  CreateOauth2CredentialProviderCommand,
  CreateWorkloadIdentityCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { decodeJwt } from 'jose';
import { SessionsRepository } from '../../libs/consent/sessions.repository';
import { freePort } from '../../libs/local-stack/ports';
import { decodedHistory } from '../helpers/history';
import { startTestIdp, TEST_API_AUDIENCE, type TestIdp } from '../helpers/oidc-idp';
import { startPostgres, type TestPostgres } from '../helpers/postgres';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';
import { rejects } from '../helpers/assert';

const RETURN_URL = 'https://app.example.com/oauth/return';
const PROVIDER = 'crm';

for (const engine of ['pglite', 'postgres'] as const)
  describe(`user consent (3-legged OAuth) as Temporal workflows (${engine})`, () => {
    let test: TestStack;
    let postgres: TestPostgres | undefined;
    let idp: TestIdp;
    let data: BedrockAgentCoreClient;
    const seen = { codes: [] as string[], tokens: [] as string[], states: [] as string[] };

    const watFor = async (userId: string) =>
      (await data.send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName: 'crm-agent', userId })))
        .workloadAccessToken!;
    const ask = (workloadIdentityToken: string, extra: Record<string, unknown> = {}) =>
      data.send(
        new GetResourceOauth2TokenCommand({
          workloadIdentityToken,
          resourceCredentialProviderName: PROVIDER,
          scopes: ['openid', 'read'],
          oauth2Flow: 'USER_FEDERATION',
          resourceOauth2ReturnUrl: RETURN_URL,
          ...extra,
        }),
      );
    /** The user's browser: consent at the IdP, then the IdP's redirect through Mandate's callback to the app. */
    const consent = async (authorizationUrl: string, userId: string, options: { deny?: boolean } = {}) => {
      const url = new URL(authorizationUrl);
      seen.states.push(url.searchParams.get('state')!);
      const callback = await idp.authorize(authorizationUrl, userId, options);
      if (callback.searchParams.get('code')) seen.codes.push(callback.searchParams.get('code')!);
      const response = await fetch(callback, { redirect: 'manual' });
      return { callback, response, location: response.headers.get('location') };
    };
    const complete = (sessionUri: string, userId: string) =>
      data.send(new CompleteResourceTokenAuthCommand({ sessionUri, userIdentifier: { userId } }));

    before(async () => {
      const idpPort = await freePort();
      postgres = engine === 'postgres' ? await startPostgres() : undefined;
      test = await startTestStack(
        await testStackEnv({
          MANDATE_ALLOW_PRIVATE_NETWORK_URLS: 'true',
          MANDATE_SESSION_TTL_SECONDS: '10',
          ...(postgres ? { DATABASE_URL: postgres.url } : {}),
        }),
      );
      const control = test.control();
      await control.send(
        new CreateWorkloadIdentityCommand({
          name: 'crm-agent',
          allowedResourceOauth2ReturnUrls: [RETURN_URL],
        }),
      );
      const provider = await control.send(
        new CreateOauth2CredentialProviderCommand({
          name: PROVIDER,
          credentialProviderVendor: 'CustomOauth2',
          oauth2ProviderConfigInput: {
            customOauth2ProviderConfig: {
              oauthDiscovery: {
                discoveryUrl: `http://127.0.0.1:${idpPort}/.well-known/openid-configuration`,
              },
              clientId: 'agent-app',
              clientSecret: 'placeholder',
            },
          },
        }),
      );
      idp = await startTestIdp({ port: idpPort, redirectUris: [provider.callbackUrl!] });
      // The recommended order: create, register the callback URL at the IdP, then set the real secret.
      const { UpdateOauth2CredentialProviderCommand } =
        await import('@aws-sdk/client-bedrock-agentcore-control');
      await control.send(
        new UpdateOauth2CredentialProviderCommand({
          name: PROVIDER,
          credentialProviderVendor: 'CustomOauth2',
          oauth2ProviderConfigInput: {
            customOauth2ProviderConfig: {
              oauthDiscovery: { discoveryUrl: idp.discoveryUrl },
              clientId: idp.clientId,
              clientSecret: idp.clientSecret,
            },
          },
        }),
      );
      data = test.data();
    });
    after(async () => {
      await test?.destroy();
      await postgres?.stop();
      await idp?.stop();
    });

    it('gets consent once: authorization URL, callback, completion by the same user, then the token from the vault', async () => {
      const wat = await watFor('alice');
      const first = await ask(wat, {
        customState: 'app-csrf-123',
        customParameters: { login_hint: 'alice', state: 'not-overridden' },
      });
      assert.equal(first.sessionStatus, 'IN_PROGRESS');
      assert.match(first.sessionUri!, /^urn:ietf:params:oauth:request_uri:[0-9a-f-]+$/);
      const url = new URL(first.authorizationUrl!);
      assert.equal(url.origin, idp.issuer);
      assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
      assert.ok(url.searchParams.get('nonce'), 'OIDC requests carry a nonce');
      assert.equal(url.searchParams.get('login_hint'), 'alice', 'custom parameters are added');
      assert.notEqual(url.searchParams.get('state'), 'not-overridden', 'but never override standard ones');

      const pending = await ask(wat, { sessionUri: first.sessionUri });
      assert.equal(pending.sessionStatus, 'IN_PROGRESS');

      const { location } = await consent(first.authorizationUrl!, 'alice');
      const back = new URL(location!);
      assert.equal(`${back.origin}${back.pathname}`, RETURN_URL);
      assert.equal(back.searchParams.get('session_id'), first.sessionUri);
      assert.equal(back.searchParams.get('state'), 'app-csrf-123', 'customState comes back to the app');

      await complete(first.sessionUri!, 'alice');
      const done = await ask(wat, { sessionUri: first.sessionUri });
      assert.ok(done.accessToken);
      seen.tokens.push(done.accessToken);
      assert.equal(decodeJwt(done.accessToken).sub, 'alice');

      const again = await ask(await watFor('alice'));
      assert.equal(again.accessToken, done.accessToken, 'consent persists: the vault serves the same token');
      assert.equal(again.authorizationUrl, undefined);

      const forced = await ask(wat, {
        forceAuthentication: true,
        resources: ['https://api.mandate.test'],
        audiences: ['crm-api'],
      });
      assert.ok(forced.authorizationUrl, 'forceAuthentication starts a new consent');
      const forcedUrl = new URL(forced.authorizationUrl);
      assert.deepEqual(
        forcedUrl.searchParams.getAll('resource'),
        ['https://api.mandate.test'],
        'RFC 8707 resource',
      );
      assert.deepEqual(forcedUrl.searchParams.getAll('audience'), ['crm-api']);
    });

    it('refuses completion by another user, and lets the right user complete afterwards', async () => {
      const started = await ask(await watFor('carol'));
      await consent(started.authorizationUrl!, 'carol');
      const err = await rejects(complete(started.sessionUri!, 'mallory'), AccessDeniedException);
      assert.match(err.message, /another user/);
      await complete(started.sessionUri!, 'carol');
      const token = await ask(await watFor('carol'), { sessionUri: started.sessionUri });
      assert.equal(decodeJwt(token.accessToken!).sub, 'carol');
      await rejects(complete(started.sessionUri!, 'carol'), AccessDeniedException);
    });

    it('answers a replayed callback with an error page and signals nothing', async () => {
      const started = await ask(await watFor('dave'));
      const { callback, response } = await consent(started.authorizationUrl!, 'dave');
      assert.equal(response.status, 302);
      const replay = await fetch(callback, { redirect: 'manual' });
      assert.equal(replay.status, 400);
      assert.match(await replay.text(), /already used/);
      const forged = new URL(callback);
      forged.searchParams.set('state', 'forged-state');
      assert.equal((await fetch(forged, { redirect: 'manual' })).status, 400);
      await complete(started.sessionUri!, 'dave');
      assert.ok((await ask(await watFor('dave'), { sessionUri: started.sessionUri })).accessToken);
    });

    it('fails the session when the user denies consent at the IdP', async () => {
      const wat = await watFor('erin');
      const started = await ask(wat);
      const { location } = await consent(started.authorizationUrl!, 'erin', { deny: true });
      assert.equal(new URL(location!).searchParams.get('session_id'), started.sessionUri);
      let status = await ask(wat, { sessionUri: started.sessionUri });
      for (let i = 0; i < 50 && status.sessionStatus === 'IN_PROGRESS'; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = await ask(wat, { sessionUri: started.sessionUri });
      }
      assert.equal(status.sessionStatus, 'FAILED');
      await rejects(complete(started.sessionUri!, 'erin'), AccessDeniedException);
    });

    it('binds a session started from a user JWT to that (iss, sub): only the same user token completes it', async () => {
      const put = await test.extension('PutWorkloadIdentityAuthorizer', {
        name: 'crm-agent',
        authorizerConfiguration: {
          customJWTAuthorizer: { discoveryUrl: idp.discoveryUrl, allowedAudience: [TEST_API_AUDIENCE] },
        },
      });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      const kate = await idp.login('kate');
      const leo = await idp.login('leo');
      const wat = (
        await data.send(
          new GetWorkloadAccessTokenForJWTCommand({ workloadName: 'crm-agent', userToken: kate.accessToken }),
        )
      ).workloadAccessToken!;
      const started = await ask(wat);
      await consent(started.authorizationUrl!, 'kate');
      const complete = (userToken: string) =>
        data.send(
          new CompleteResourceTokenAuthCommand({
            sessionUri: started.sessionUri,
            userIdentifier: { userToken },
          }),
        );
      await rejects(complete(leo.accessToken), AccessDeniedException);
      await rejects(
        data.send(
          new CompleteResourceTokenAuthCommand({
            sessionUri: started.sessionUri,
            userIdentifier: { userId: 'kate' },
          }),
        ),
        AccessDeniedException,
      );
      await complete(kate.accessToken);
      const token = await ask(wat, { sessionUri: started.sessionUri });
      assert.equal(decodeJwt(token.accessToken!).sub, 'kate');
    });

    it('refuses a return URL that is not on the allow-list', async () => {
      const err = await rejects(
        ask(await watFor('frank'), { resourceOauth2ReturnUrl: 'https://evil.example.com/steal' }),
        ValidationException,
      );
      assert.equal(err.fieldList?.[0]?.name, 'resourceOauth2ReturnUrl');
    });

    it('refuses a return URL off the allow-list even when the vault holds a token for the user', async () => {
      const wat = await watFor('alice');
      assert.ok((await ask(wat)).accessToken, 'the vault holds alice’s token (first test)');
      const err = await rejects(
        ask(wat, { resourceOauth2ReturnUrl: 'https://evil.example.com/steal' }),
        ValidationException,
      );
      assert.equal(err.fieldList?.[0]?.name, 'resourceOauth2ReturnUrl');
    });

    it('completes two concurrent sessions of different users, each with its own token', async () => {
      const [gina, hank] = await Promise.all([ask(await watFor('gina')), ask(await watFor('hank'))]);
      await Promise.all([consent(gina.authorizationUrl!, 'gina'), consent(hank.authorizationUrl!, 'hank')]);
      await Promise.all([complete(gina.sessionUri!, 'gina'), complete(hank.sessionUri!, 'hank')]);
      const [ginaToken, hankToken] = await Promise.all([
        ask(await watFor('gina'), { sessionUri: gina.sessionUri }),
        ask(await watFor('hank'), { sessionUri: hank.sessionUri }),
      ]);
      assert.equal(decodeJwt(ginaToken.accessToken!).sub, 'gina');
      assert.equal(decodeJwt(hankToken.accessToken!).sub, 'hank');
      seen.tokens.push(ginaToken.accessToken!, hankToken.accessToken!);
    });

    it('expires a session nobody completes', async () => {
      const wat = await watFor('ivan');
      const started = await ask(wat);
      await consent(started.authorizationUrl!, 'ivan');
      await new Promise((resolve) => setTimeout(resolve, 11_000));
      assert.equal((await ask(wat, { sessionUri: started.sessionUri })).sessionStatus, 'FAILED');
      await rejects(complete(started.sessionUri!, 'ivan'), AccessDeniedException);
    });

    it("works with the bedrock-agentcore SDK's withAccessToken: onAuthUrl gets the URL, polling returns the token", async () => {
      test.pointSdkEnvironment();
      const { withAccessToken } = await import('bedrock-agentcore/identity');
      const tool = withAccessToken({
        workloadIdentityToken: await watFor('judy'),
        providerName: PROVIDER,
        scopes: ['openid', 'read'],
        authFlow: 'USER_FEDERATION',
        callbackUrl: RETURN_URL,
        onAuthUrl: async (authorizationUrl: string) => {
          const { location } = await consent(authorizationUrl, 'judy');
          await complete(new URL(location!).searchParams.get('session_id')!, 'judy');
        },
      })((query: string, token: string) => Promise.resolve({ query, sub: decodeJwt(token).sub }));
      assert.deepEqual(await tool('pipeline'), { query: 'pipeline', sub: 'judy' });
    });

    it('measures completion to token and the history of one consent', async () => {
      const durations: number[] = [];
      let sessionUri = '';
      for (let i = 0; i < 7; i += 1) {
        const wat = await watFor(`measured-${i}`);
        const started = await ask(wat);
        await consent(started.authorizationUrl!, `measured-${i}`);
        const begin = performance.now();
        await complete(started.sessionUri!, `measured-${i}`);
        const token = await ask(wat, { sessionUri: started.sessionUri });
        durations.push(performance.now() - begin);
        assert.ok(token.accessToken);
        sessionUri = started.sessionUri!;
      }
      durations.sort((a, b) => a - b);
      const history = await test.stack.runtime.temporal.workflow
        .getHandle(`authorization-session:${sessionUri.split(':').at(-1)}`)
        .fetchHistory();
      process.stdout.write(
        `# CompleteResourceTokenAuth to token: median ${durations[3]!.toFixed(1)} ms (min ${durations[0]!.toFixed(1)}, max ${durations[6]!.toFixed(1)}, n=7); history events of one consent: ${history.events?.length}\n`,
      );
      assert.ok((history.events?.length ?? 0) > 0);
    });

    it('decodes payloads for the Temporal UI only with the codec token', async () => {
      const client = test.stack.runtime.temporal;
      let workflowId = '';
      for await (const execution of client.workflow.list({
        query: "WorkflowType = 'authorizationSessionWorkflow'",
      })) {
        workflowId = execution.workflowId;
        break;
      }
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      assert.equal(Buffer.from(input!.metadata!.encoding!).toString(), 'binary/encrypted');
      const body = JSON.stringify({
        payloads: [
          {
            metadata: Object.fromEntries(
              Object.entries(input!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
            ),
            data: Buffer.from(input!.data!).toString('base64'),
          },
        ],
      });
      const decode = (headers: Record<string, string>) =>
        fetch(`${test.stack.apiUrl}/codec/decode`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
        });

      const anonymous = await decode({});
      assert.equal(anonymous.status, 403);
      assert.equal((await decode({ authorization: 'Bearer wrong-token-wrong-token-wrong' })).status, 403);

      const token = readFileSync(join(test.dataDir, 'codec-token'), 'utf8');
      const uiOrigin = test.stack.config.temporal.uiOrigins[0]!;
      const decoded = await decode({ authorization: `Bearer ${token}`, origin: uiOrigin });
      assert.equal(decoded.status, 200);
      assert.equal(decoded.headers.get('access-control-allow-origin'), uiOrigin);
      const [payload] = ((await decoded.json()) as { payloads: { data: string }[] }).payloads;
      const args = JSON.parse(Buffer.from(payload!.data, 'base64').toString()) as { workloadName: string };
      assert.equal(args.workloadName, 'crm-agent');

      const session = await fetch(`${test.stack.apiUrl}/codec/session?token=${token}`, {
        redirect: 'manual',
      });
      const cookie = session.headers.get('set-cookie')!;
      assert.match(cookie, /HttpOnly; SameSite=Strict/);
      assert.equal((await decode({ cookie: cookie.split(';')[0]! })).status, 200);
    });

    it('keeps every code, token, verifier, state and secret out of workflow histories', async () => {
      const client = test.stack.runtime.temporal;
      const sessions = test.stack.runtime.db.selectFrom('auth_sessions').select('id');
      const verifiers: string[] = [];
      const repository = new SessionsRepository(test.stack.runtime.db, test.stack.runtime.envelope);
      for (const { id } of await sessions.execute()) {
        const sealed = await repository.secrets(id);
        if (sealed) verifiers.push(sealed.secrets.codeVerifier);
      }
      const canaries = [...seen.codes, ...seen.tokens, ...seen.states, ...verifiers, idp.clientSecret];
      assert.ok(seen.codes.length >= 5 && seen.tokens.length >= 3 && verifiers.length >= 5);
      let histories = 0;
      let encrypted = 0;
      const plain: string[] = [];
      for await (const execution of client.workflow.list({
        query: "WorkflowType = 'authorizationSessionWorkflow'",
      })) {
        const history = await decodedHistory(
          client,
          test.stack.runtime.payloadCodec,
          execution.workflowId,
          execution.runId,
        );
        for (const canary of canaries)
          assert.ok(!history.text.includes(canary), `a secret appears in ${execution.workflowId}`);
        encrypted += history.encrypted;
        plain.push(...history.plain);
        histories += 1;
      }
      assert.deepEqual(plain, [], 'every payload outside search attributes is encrypted');
      assert.ok(encrypted > histories, `${encrypted} encrypted payloads`);
      assert.ok(histories >= 15, `checked ${histories} histories`);
    });
  });
