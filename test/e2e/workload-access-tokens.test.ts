import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  AccessDeniedException,
  GetWorkloadAccessTokenCommand,
  GetWorkloadAccessTokenForJWTCommand,
  GetWorkloadAccessTokenForUserIdCommand,
  ResourceNotFoundException,
  UnauthorizedException,
  type BedrockAgentCoreClient,
} from '@aws-sdk/client-bedrock-agentcore';
import { CreateWorkloadIdentityCommand } from '@aws-sdk/client-bedrock-agentcore-control';
import { decodeJwt, exportSPKI, generateKeyPair, importJWK, SignJWT, type JWTPayload } from 'jose';
import { startTestIdp, TEST_API_AUDIENCE, type TestIdp } from '../helpers/oidc-idp';
import { startPostgres, type TestPostgres } from '../helpers/postgres';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';
import { rejects } from '../helpers/assert';
import { allow, createPrincipal, workloadArnPattern } from '../helpers/principals';

const AUTHORIZER = (idp: TestIdp) => ({
  discoveryUrl: idp.discoveryUrl,
  allowedAudience: [TEST_API_AUDIENCE],
  allowedClients: [idp.clientId],
  allowedScopes: ['read'],
  customClaims: [
    {
      inboundTokenClaimName: 'groups',
      inboundTokenClaimValueType: 'STRING_ARRAY',
      authorizingClaimMatchValue: {
        claimMatchValue: { matchValueString: 'sales' },
        claimMatchOperator: 'CONTAINS',
      },
    },
  ],
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

for (const engine of ['pglite', 'postgres'] as const) {
  describe(`workload access tokens over the AgentCore data plane (${engine})`, () => {
    let idp: TestIdp;
    let postgres: TestPostgres | undefined;
    let test: TestStack;
    let data: BedrockAgentCoreClient;
    let alice: { idToken: string; accessToken: string };
    const now = () => Math.floor(Date.now() / 1000);

    /** Claims of a token alice's real login would carry, to vary one at a time. */
    const aliceClaims = (): JWTPayload => ({
      ...decodeJwt(alice.accessToken),
      iat: now(),
      exp: now() + 300,
      jti: randomUUID(),
    });

    before(async () => {
      idp = await startTestIdp();
      postgres = engine === 'postgres' ? await startPostgres() : undefined;
      test = await startTestStack(
        await testStackEnv({
          MANDATE_ALLOW_PRIVATE_NETWORK_URLS: 'true',
          ...(postgres ? { DATABASE_URL: postgres.url } : {}),
        }),
      );
      data = test.data();
      const control = test.control();
      await control.send(new CreateWorkloadIdentityCommand({ name: 'crm-agent' }));
      await control.send(new CreateWorkloadIdentityCommand({ name: 'no-issuer-agent' }));
      const put = await test.extension('PutWorkloadIdentityAuthorizer', {
        name: 'crm-agent',
        authorizerConfiguration: { customJWTAuthorizer: AUTHORIZER(idp) },
      });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      alice = await idp.login('alice');
    });
    after(async () => {
      await test?.destroy();
      await postgres?.stop();
      await idp?.stop();
    });

    it('keeps the JWT authorizer of a workload through the extension operations', async () => {
      const got = await test.extension('GetWorkloadIdentityAuthorizer', { name: 'crm-agent' });
      assert.equal(got.status, 200);
      assert.deepEqual(got.body.authorizerConfiguration, { customJWTAuthorizer: AUTHORIZER(idp) });

      const none = await test.extension('GetWorkloadIdentityAuthorizer', { name: 'no-issuer-agent' });
      assert.equal(none.status, 404);
      assert.equal(none.type, 'ResourceNotFoundException');

      const badPattern = await test.extension('PutWorkloadIdentityAuthorizer', {
        name: 'crm-agent',
        authorizerConfiguration: {
          customJWTAuthorizer: { discoveryUrl: `${idp.issuer}/.well-known/oauth-authorization-server` },
        },
      });
      assert.equal(badPattern.type, 'ValidationException');
      assert.deepEqual(
        (badPattern.body.fieldList as { name: string }[]).map((f) => f.name),
        ['authorizerConfiguration.customJWTAuthorizer.discoveryUrl'],
      );

      const unreachable = await test.extension('PutWorkloadIdentityAuthorizer', {
        name: 'crm-agent',
        authorizerConfiguration: {
          customJWTAuthorizer: { discoveryUrl: 'http://127.0.0.1:9/.well-known/openid-configuration' },
        },
      });
      assert.equal(unreachable.type, 'ValidationException');
      assert.match(String(unreachable.body.message), /discovery document/);

      const badOperator = await test.extension('PutWorkloadIdentityAuthorizer', {
        name: 'crm-agent',
        authorizerConfiguration: {
          customJWTAuthorizer: {
            ...AUTHORIZER(idp),
            customClaims: [
              {
                inboundTokenClaimName: 'department',
                inboundTokenClaimValueType: 'STRING',
                authorizingClaimMatchValue: {
                  claimMatchValue: { matchValueString: 'x' },
                  claimMatchOperator: 'CONTAINS',
                },
              },
            ],
          },
        },
      });
      assert.equal(badOperator.type, 'ValidationException');
      assert.match(String(badOperator.body.message), /CONTAINS does not apply to STRING claims/);

      // The refused updates left the stored authorizer as it was.
      const kept = await test.extension('GetWorkloadIdentityAuthorizer', { name: 'crm-agent' });
      assert.deepEqual(kept.body.authorizerConfiguration, { customJWTAuthorizer: AUTHORIZER(idp) });
    });

    it('mints WATs for the workload alone, for a user id, and for a real JWT user', async () => {
      const wats = test.stack.runtime.workloadAccessTokens;
      const plain = await data.send(new GetWorkloadAccessTokenCommand({ workloadName: 'crm-agent' }));
      assert.equal(
        (await wats.verify(plain.workloadAccessToken!, { workloadName: 'crm-agent', user: undefined })).user,
        undefined,
      );

      const byId = await data.send(
        new GetWorkloadAccessTokenForUserIdCommand({ workloadName: 'crm-agent', userId: 'cognito+alice' }),
      );
      const idWat = await wats.verify(byId.workloadAccessToken!, { workloadName: 'crm-agent' });
      assert.deepEqual(idWat.user, { kind: 'userId', userId: 'cognito+alice' });

      const byJwt = await data.send(
        new GetWorkloadAccessTokenForJWTCommand({ workloadName: 'crm-agent', userToken: alice.accessToken }),
      );
      const jwtWat = await wats.verify(byJwt.workloadAccessToken!, { workloadName: 'crm-agent' });
      assert.deepEqual(jwtWat.user, { kind: 'jwt', iss: idp.issuer, sub: 'alice' });
      assert.equal(
        jwtWat.expiresAt,
        (decodeJwt(alice.accessToken).exp ?? 0) * 1000,
        'capped at the user token expiry',
      );
      assert.ok(
        !byJwt.workloadAccessToken!.includes(alice.accessToken.split('.')[1]!),
        'the WAT does not expose the user token',
      );
    });

    it('refuses every bad user token with UnauthorizedException naming the failed check', async () => {
      const { privateKey: strangerKey } = await generateKeyPair('RS256');
      const hmacWithPublicKey = async () => {
        const header = b64({ alg: 'HS256', kid: 'idp-key-1' });
        const body = b64(aliceClaims());
        const pem = await exportSPKI(
          (await importJWK(idp.publicJwk, 'RS256')) as Parameters<typeof exportSPKI>[0],
        );
        const mac = createHmac('sha256', pem).update(`${header}.${body}`).digest('base64url');
        return `${header}.${body}.${mac}`;
      };
      const tamper = (token: string) => {
        const [header, , signature] = token.split('.');
        return `${header}.${b64({ ...decodeJwt(token), sub: 'mallory' })}.${signature}`;
      };
      const withoutExp = () => {
        const { exp: _exp, ...claims } = aliceClaims();
        return idp.sign(claims);
      };
      const withoutSub = () => {
        const { sub: _sub, ...claims } = aliceClaims();
        return idp.sign(claims);
      };
      const bob = await idp.login('bob');

      const cases: [string, () => Promise<string> | string, RegExp][] = [
        ['alg none', () => `${b64({ alg: 'none' })}.${b64(aliceClaims())}.`, /algorithm/],
        ['HS256 signed with the public key', hmacWithPublicKey, /algorithm/],
        [
          'unknown kid',
          () => idp.sign(aliceClaims(), { kid: 'not-a-key-of-the-idp' }),
          /signing key is not among/,
        ],
        ['missing exp', withoutExp, /lacks the exp claim/],
        ['missing sub', withoutSub, /lacks the sub claim/],
        ['expired', () => idp.sign({ ...aliceClaims(), iat: now() - 600, exp: now() - 120 }), /expired/],
        ['not yet valid', () => idp.sign({ ...aliceClaims(), nbf: now() + 600 }), /not yet valid/],
        [
          'wrong iss',
          () => idp.sign({ ...aliceClaims(), iss: 'https://evil.example' }),
          /issuer this workload does not trust/,
        ],
        ['wrong aud', () => alice.idToken, /audience is not allowed/],
        [
          'wrong client',
          () => idp.sign({ ...aliceClaims(), client_id: 'another-app' }),
          /client this workload does not allow/,
        ],
        ['missing scope', () => idp.sign({ ...aliceClaims(), scope: 'write' }), /none of the allowed scopes/],
        ['failed custom claim', () => bob.accessToken, /claim groups does not satisfy/],
        ['tampered payload', () => tamper(alice.accessToken), /signature verification failed/],
        [
          'signed by another key under the IdP kid',
          () =>
            new SignJWT(aliceClaims())
              .setProtectedHeader({ alg: 'RS256', kid: 'idp-key-1' })
              .sign(strangerKey),
          /signature verification failed/,
        ],
      ];
      for (const [name, make, message] of cases) {
        const userToken = await make();
        const err = await rejects(
          data.send(new GetWorkloadAccessTokenForJWTCommand({ workloadName: 'crm-agent', userToken })),
          UnauthorizedException,
        ).catch((e: Error) => assert.fail(`${name}: ${e.message}`));
        assert.equal(err.$metadata.httpStatusCode, 401, name);
        assert.match(err.message, message, name);
        assert.ok(
          !err.message.includes(userToken.split('.')[1] ?? '-'),
          `${name}: the message echoes no token`,
        );
      }
    });

    it('honours the clock tolerance, and no more', async () => {
      const within = await idp.sign({ ...aliceClaims(), iat: now() - 600, exp: now() - 20 });
      await data.send(
        new GetWorkloadAccessTokenForJWTCommand({ workloadName: 'crm-agent', userToken: within }),
      );
      const beyond = await idp.sign({ ...aliceClaims(), iat: now() - 600, exp: now() - 40 });
      await rejects(
        data.send(new GetWorkloadAccessTokenForJWTCommand({ workloadName: 'crm-agent', userToken: beyond })),
        UnauthorizedException,
      );
    });

    it('fetches the JWKS at most once per cooldown under a flood of random kids', async () => {
      const before = idp.requests.get('/jwks') ?? 0;
      const tokens = await Promise.all(
        Array.from({ length: 50 }, () => idp.sign(aliceClaims(), { kid: randomUUID() })),
      );
      const results = await Promise.allSettled(
        tokens.map((userToken) =>
          data.send(new GetWorkloadAccessTokenForJWTCommand({ workloadName: 'crm-agent', userToken })),
        ),
      );
      assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof UnauthorizedException));
      const fetches = (idp.requests.get('/jwks') ?? 0) - before;
      assert.ok(fetches <= 1, `JWKS fetched ${fetches} times for 50 unknown kids`);
    });

    it('refuses ForJWT without a trusted issuer, unknown workloads, and callers whose policy does not cover the workload', async () => {
      const noIssuer = await rejects(
        data.send(
          new GetWorkloadAccessTokenForJWTCommand({
            workloadName: 'no-issuer-agent',
            userToken: alice.accessToken,
          }),
        ),
        AccessDeniedException,
      );
      assert.match(noIssuer.message, /trusts no JWT issuer/);
      await rejects(
        data.send(new GetWorkloadAccessTokenCommand({ workloadName: 'ghost-agent' })),
        ResourceNotFoundException,
      );

      const minter = await createPrincipal(
        test,
        'minter',
        allow(['GetWorkloadAccessTokenForUserId'], [workloadArnPattern('no-issuer-agent')]),
      );
      const limited = test.data(minter);
      await limited.send(
        new GetWorkloadAccessTokenForUserIdCommand({ workloadName: 'no-issuer-agent', userId: 'u1' }),
      );
      await rejects(
        limited.send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName: 'crm-agent', userId: 'u1' })),
        AccessDeniedException,
      );
      await rejects(
        limited.send(new GetWorkloadAccessTokenCommand({ workloadName: 'no-issuer-agent' })),
        AccessDeniedException,
      );
    });
  });
}
