import assert from 'node:assert/strict';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { startTestIdp, TEST_API_AUDIENCE, type TestIdp } from '../../test/helpers/oidc-idp';
import { JwtRejectedError, type CustomJwtAuthorizer, type JwtRejection } from './jwt-authorizer';
import { JwtVerifier } from './jwt.verifier';

const NOW = Date.UTC(2026, 10, 22, 9, 0, 0);
const SEC = NOW / 1000;
const TOLERANCE = 30;

async function rejection(promise: Promise<unknown>, code: JwtRejection): Promise<JwtRejectedError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof JwtRejectedError, String(err));
    assert.equal(err.code, code, err.message);
    return err;
  }
  return assert.fail(`expected ${code}, the token was accepted`);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A bare issuer on node:http: discovery and JWKS per tenant path, each answer replaceable, every
 * request counted. For what the real IdP will not do: other keys, broken answers, rotation.
 */
interface Tenant {
  discoveryUrl: string;
  issuer: string;
  keys: JWK[];
  /** Discovery fields added or overridden; undefined values are removed. */
  discovery: Record<string, unknown>;
  /** Replaces the answer of one path: status and raw body. */
  fault: Map<'discovery' | 'jwks', { status: number; body: string }>;
  count(what: 'discovery' | 'jwks'): number;
}

describe('JwtVerifier', () => {
  let idp: TestIdp;
  let server: Server;
  let base = '';
  const tenants = new Map<string, Tenant>();
  const counts = new Map<string, number>();
  let closedPort = 0;

  before(async () => {
    const made = await Promise.all([
      startTestIdp(),
      generateKeyPair('RS256', { extractable: true }),
      generateKeyPair('RS256', { extractable: true }),
      generateKeyPair('ES256', { extractable: true }),
    ]);
    idp = made[0];
    material.RS256.push(made[1], made[2]);
    material.ES256.push(made[3]);
    server = createServer((req, res) => {
      const url = req.url ?? '/';
      counts.set(url, (counts.get(url) ?? 0) + 1);
      const [, name = '', ...rest] = url.split('/');
      const tenant = tenants.get(name);
      const what = rest.join('/') === '.well-known/openid-configuration' ? 'discovery' : 'jwks';
      if (!tenant || (what === 'jwks' && rest.join('/') !== 'jwks')) {
        res.writeHead(404).end();
        return;
      }
      const fault = tenant.fault.get(what);
      if (fault) {
        res.writeHead(fault.status, { 'content-type': 'application/json' }).end(fault.body);
        return;
      }
      const body =
        what === 'discovery'
          ? Object.fromEntries(
              Object.entries({
                issuer: tenant.issuer,
                jwks_uri: `${base}/${name}/jwks`,
                ...tenant.discovery,
              }).filter(([, v]) => v !== undefined),
            )
          : { keys: tenant.keys };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    closedPort = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
  });
  after(async () => {
    await idp.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function tenant(name: string, keys: JWK[] = [], discovery: Record<string, unknown> = {}): Tenant {
    const t: Tenant = {
      discoveryUrl: `${base}/${name}/.well-known/openid-configuration`,
      issuer: `https://issuer.test/${name}`,
      keys,
      discovery,
      fault: new Map(),
      count: (what) =>
        counts.get(what === 'discovery' ? `/${name}/.well-known/openid-configuration` : `/${name}/jwks`) ?? 0,
    };
    tenants.set(name, t);
    return t;
  }

  /** RSA keys are slow to make: three, made once, are shared by the tests (each gives its own kid). */
  type Material = Awaited<ReturnType<typeof generateKeyPair>>;
  const material: { RS256: Material[]; ES256: Material[] } = { RS256: [], ES256: [] };
  async function keyPair(alg: 'RS256' | 'ES256', kid: string, index = 0) {
    const { privateKey, publicKey } = material[alg][index]!;
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    const sign = (payload: JWTPayload) =>
      new SignJWT(payload).setProtectedHeader({ alg, kid }).sign(privateKey);
    return { jwk, sign };
  }

  const verifier = (options: Partial<ConstructorParameters<typeof JwtVerifier>[0]> = {}) =>
    new JwtVerifier({
      fetch: (input, init) => fetch(input, init),
      clockToleranceSeconds: TOLERANCE,
      now: () => NOW,
      ...options,
    });

  /** Claims of a token the trusted issuer would sign; `extra` may break any of them, types included. */
  const claims = (extra: Record<string, unknown> = {}): JWTPayload => ({
    iss: idp.issuer,
    sub: 'alice',
    aud: TEST_API_AUDIENCE,
    client_id: idp.clientId,
    scope: 'openid read',
    groups: ['sales', 'admins'],
    iat: SEC - 60,
    exp: SEC + 600,
    ...extra,
  });
  const without = (name: string): JWTPayload => {
    const c = claims();
    delete c[name];
    return c;
  };
  const authorizer = (extra: Partial<CustomJwtAuthorizer> = {}): CustomJwtAuthorizer => ({
    discoveryUrl: idp.discoveryUrl,
    allowedAudience: [TEST_API_AUDIENCE],
    allowedClients: [idp.clientId],
    ...extra,
  });

  describe('against the in-process OpenID Provider', () => {
    const jwt = verifier();

    it('accepts a valid RS256 token and answers its issuer, subject and claims', async () => {
      const user = await jwt.verify(await idp.sign(claims()), authorizer());
      assert.equal(user.iss, idp.issuer);
      assert.equal(user.sub, 'alice');
      assert.deepEqual(user.payload.groups, ['sales', 'admins']);
    });

    it('accepts an access token the IdP really issued through the code flow', async () => {
      const { accessToken } = await idp.login('bob');
      // The IdP stamps the real time, so this verifier keeps the real clock.
      const user = await verifier({ now: undefined }).verify(accessToken, authorizer());
      assert.equal(user.sub, 'bob');
      assert.equal(user.payload.client_id, idp.clientId);
    });

    it('refuses another issuer, even one signed with the trusted key', async () => {
      const err = await rejection(
        jwt.verify(await idp.sign(claims({ iss: 'https://evil.example' })), authorizer()),
        'issuer',
      );
      assert.equal(err.message, 'userToken was issued by an issuer this workload does not trust');
      await rejection(jwt.verify(await idp.sign(claims({ iss: `${idp.issuer}/` })), authorizer()), 'issuer');
    });

    it('refuses an audience outside allowedAudience, and a missing one', async () => {
      const err = await rejection(
        jwt.verify(await idp.sign(claims({ aud: 'https://other.api' })), authorizer()),
        'audience',
      );
      assert.equal(err.message, 'userToken audience is not allowed for this workload');
      await rejection(jwt.verify(await idp.sign(without('aud')), authorizer()), 'audience');
      const listed = await jwt.verify(
        await idp.sign(claims({ aud: ['https://other.api', TEST_API_AUDIENCE] })),
        authorizer(),
      );
      assert.equal(listed.sub, 'alice');
      // No allow-list: any audience.
      await jwt.verify(
        await idp.sign(claims({ aud: 'https://other.api' })),
        authorizer({ allowedAudience: [] }),
      );
    });

    it('refuses a client outside allowedClients, reading client_id, then azp', async () => {
      const err = await rejection(
        jwt.verify(await idp.sign(claims({ client_id: 'other-app' })), authorizer()),
        'client',
      );
      assert.equal(err.message, 'userToken was issued to a client this workload does not allow');
      const byAzp = { ...without('client_id'), azp: idp.clientId };
      assert.equal((await jwt.verify(await idp.sign(byAzp), authorizer())).sub, 'alice');
      await rejection(jwt.verify(await idp.sign(without('client_id')), authorizer()), 'client');
      await rejection(jwt.verify(await idp.sign(claims({ client_id: 7 })), authorizer()), 'client');
    });

    it('refuses a token carrying none of the allowed scopes, from scope or scp', async () => {
      const err = await rejection(
        jwt.verify(await idp.sign(claims()), authorizer({ allowedScopes: ['write'] })),
        'scope',
      );
      assert.equal(err.message, 'userToken carries none of the allowed scopes');
      const scp = { ...without('scope'), scp: ['write'] };
      await jwt.verify(await idp.sign(scp), authorizer({ allowedScopes: ['write'] }));
    });

    it('checks custom claim rules and names the claim that failed', async () => {
      const rule = (value: string): CustomJwtAuthorizer['customClaims'] => [
        {
          inboundTokenClaimName: 'groups',
          inboundTokenClaimValueType: 'STRING_ARRAY',
          authorizingClaimMatchValue: {
            claimMatchValue: { matchValueString: value },
            claimMatchOperator: 'CONTAINS',
          },
        },
      ];
      await jwt.verify(await idp.sign(claims()), authorizer({ customClaims: rule('admins') }));
      const err = await rejection(
        jwt.verify(await idp.sign(claims()), authorizer({ customClaims: rule('ops') })),
        'custom_claim',
      );
      assert.equal(err.message, 'userToken claim groups does not satisfy its rule');
    });

    it('refuses an expired token beyond the clock tolerance, and accepts one within it', async () => {
      await jwt.verify(await idp.sign(claims({ exp: SEC - TOLERANCE + 1 })), authorizer());
      const err = await rejection(
        jwt.verify(await idp.sign(claims({ exp: SEC - TOLERANCE })), authorizer()),
        'expired',
      );
      assert.equal(err.message, 'userToken has expired');
    });

    it('refuses a token not yet valid beyond the clock tolerance, and accepts one within it', async () => {
      await jwt.verify(await idp.sign(claims({ nbf: SEC + TOLERANCE })), authorizer());
      const err = await rejection(
        jwt.verify(await idp.sign(claims({ nbf: SEC + TOLERANCE + 1 })), authorizer()),
        'not_yet_valid',
      );
      assert.equal(err.message, 'userToken is not yet valid');
    });

    it('refuses a token issued in the future beyond the clock tolerance (iat respected, as documented)', async () => {
      await jwt.verify(await idp.sign(claims({ iat: SEC + TOLERANCE })), authorizer());
      const err = await rejection(
        jwt.verify(await idp.sign(claims({ iat: SEC + 3600 })), authorizer()),
        'not_yet_valid',
      );
      assert.equal(err.message, 'userToken is not yet valid');
    });

    it('refuses alg none', async () => {
      const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`;
      const err = await rejection(jwt.verify(unsigned, authorizer()), 'algorithm');
      assert.equal(err.message, 'userToken is signed with an algorithm this issuer does not use');
      const unsignedWithKid = `${b64({ alg: 'none', kid: 'idp-key-1' })}.${b64(claims())}.`;
      await rejection(jwt.verify(unsignedWithKid, authorizer()), 'algorithm');
    });

    it('refuses HS256 signed with the issuer public key as the HMAC secret', async () => {
      const pem = createPublicKey({ key: idp.publicJwk as JsonWebKey, format: 'jwk' })
        .export({ type: 'spki', format: 'pem' })
        .toString();
      for (const secret of [pem, JSON.stringify(idp.publicJwk), idp.publicJwk.n!]) {
        const forged = await new SignJWT(claims())
          .setProtectedHeader({ alg: 'HS256', kid: 'idp-key-1' })
          .sign(new TextEncoder().encode(secret));
        await rejection(jwt.verify(forged, authorizer()), 'algorithm');
      }
    });

    it('refuses a key id the issuer does not publish', async () => {
      const err = await rejection(
        jwt.verify(await idp.sign(claims(), { kid: 'not-published' }), authorizer()),
        'unknown_key',
      );
      assert.equal(err.message, "userToken's signing key is not among the issuer's keys");
    });

    it('refuses a tampered signature and a tampered payload', async () => {
      const [header, payload, signature] = (await idp.sign(claims())).split('.') as [string, string, string];
      const bytes = Buffer.from(signature, 'base64url');
      bytes[0] = bytes[0]! ^ 1;
      const err = await rejection(
        jwt.verify(`${header}.${payload}.${bytes.toString('base64url')}`, authorizer()),
        'signature',
      );
      assert.equal(err.message, 'userToken signature verification failed');
      await rejection(
        jwt.verify(`${header}.${b64(claims({ sub: 'mallory' }))}.${signature}`, authorizer()),
        'signature',
      );
    });

    it('refuses a token without sub or exp', async () => {
      const noSub = await rejection(
        jwt.verify(await idp.sign(without('sub')), authorizer()),
        'missing_claim',
      );
      assert.equal(noSub.message, 'userToken lacks the sub claim');
      const noExp = await rejection(
        jwt.verify(await idp.sign(without('exp')), authorizer()),
        'missing_claim',
      );
      assert.equal(noExp.message, 'userToken lacks the exp claim');
    });

    it('refuses what is not a signed JWT', async () => {
      const signed = await idp.sign(claims());
      for (const token of [
        '',
        'not-a-jwt',
        'a.b.c',
        `${signed}.x.y`,
        signed.split('.').slice(0, 2).join('.'),
      ]) {
        const err = await rejection(jwt.verify(token, authorizer()), 'malformed');
        assert.equal(err.message, 'userToken is not a well-formed signed JWT', JSON.stringify(token));
      }
      const err = await rejection(
        jwt.verify(await idp.sign(claims({ exp: 'tomorrow' })), authorizer()),
        'malformed',
      );
      assert.equal(err.message, 'userToken has an invalid exp claim');
    });

    it('refuses a non-numeric nbf as an invalid claim, not as a token that is not yet valid', async () => {
      const err = await rejection(
        jwt.verify(await idp.sign(claims({ nbf: 'soon' })), authorizer()),
        'malformed',
      );
      assert.equal(err.message, 'userToken has an invalid nbf claim');
    });

    it('refuses an aud that is neither a string nor a list of strings with the audience code', async () => {
      for (const aud of [42, { a: 1 }, true]) {
        const err = await rejection(jwt.verify(await idp.sign(claims({ aud })), authorizer()), 'audience');
        assert.equal(err.message, 'userToken audience is not allowed for this workload');
      }
    });

    it('refuses a sub that is not a string (RFC 7519 StringOrURI; VerifiedUser.sub is typed string)', async () => {
      for (const sub of [123, { id: 'alice' }, ['alice']]) {
        await rejection(jwt.verify(await idp.sign(claims({ sub })), authorizer()), 'malformed');
      }
    });

    it('never puts the token in its messages', async () => {
      const tokens = [
        await idp.sign(claims({ iss: 'https://evil.example' })),
        await idp.sign(claims({ exp: SEC - 3600 })),
        await idp.sign(claims(), { kid: 'nope' }),
        'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.',
      ];
      for (const token of tokens) {
        const err = await jwt.verify(token, authorizer()).then(
          () => assert.fail('accepted'),
          (e: Error) => e,
        );
        for (const part of token.split('.').filter((p) => p.length > 8)) {
          assert.ok(!err.message.includes(part), err.message);
        }
      }
    });

    it('reads discovery and the JWKS once for many tokens', async () => {
      const fresh = verifier();
      const discoveryBefore = idp.requests.get('/.well-known/openid-configuration') ?? 0;
      const jwksBefore = idp.requests.get('/jwks') ?? 0;
      for (const sub of ['alice', 'bob', 'carol', 'dave']) {
        assert.equal((await fresh.verify(await idp.sign(claims({ sub })), authorizer())).sub, sub);
      }
      assert.equal((idp.requests.get('/.well-known/openid-configuration') ?? 0) - discoveryBefore, 1);
      assert.equal((idp.requests.get('/jwks') ?? 0) - jwksBefore, 1);
      assert.deepEqual(await fresh.issuerOf(idp.discoveryUrl), { issuer: idp.issuer });
      assert.equal((idp.requests.get('/.well-known/openid-configuration') ?? 0) - discoveryBefore, 1);
    });
  });

  describe('against a bare issuer on node:http', () => {
    it('answers issuer_unavailable when discovery is unreachable, fails or is not JSON', async () => {
      const unreachable = `http://127.0.0.1:${closedPort}/.well-known/openid-configuration`;
      const err = await rejection(
        verifier().verify('x.y.z', { discoveryUrl: unreachable }),
        'issuer_unavailable',
      );
      assert.equal(err.message, "The trusted issuer's discovery document could not be read");
      assert.ok(err.cause instanceof Error);

      const t = tenant('broken-discovery');
      for (const fault of [
        { status: 503, body: '{"message":"down"}' },
        { status: 200, body: '<html>' },
      ]) {
        t.fault.set('discovery', fault);
        const e = await rejection(
          verifier().verify('x.y.z', { discoveryUrl: t.discoveryUrl }),
          'issuer_unavailable',
        );
        assert.equal(e.message, "The trusted issuer's discovery document could not be read");
      }
      t.fault.set('discovery', { status: 200, body: JSON.stringify({ issuer: t.issuer }) });
      const noJwks = await rejection(
        verifier().verify('x.y.z', { discoveryUrl: t.discoveryUrl }),
        'issuer_unavailable',
      );
      assert.equal(noJwks.message, 'The discovery document lacks issuer or jwks_uri');
    });

    it('does not cache a failed discovery: the next request tries again', async () => {
      const key = await keyPair('RS256', 'k1');
      const t = tenant('retry-discovery', [key.jwk]);
      const jwt = verifier();
      t.fault.set('discovery', { status: 503, body: '' });
      await rejection(jwt.issuerOf(t.discoveryUrl), 'issuer_unavailable');
      t.fault.delete('discovery');
      const token = await key.sign({ iss: t.issuer, sub: 'alice', exp: SEC + 60 });
      assert.equal((await jwt.verify(token, { discoveryUrl: t.discoveryUrl })).sub, 'alice');
      assert.equal(t.count('discovery'), 2);
    });

    it('answers issuer_unavailable when the JWKS is unreachable, fails or is not a key set', async () => {
      const key = await keyPair('RS256', 'k1');
      const token = await key.sign({ iss: 'https://issuer.test/dead-jwks', sub: 'alice', exp: SEC + 60 });
      const dead = tenant('dead-jwks', [key.jwk], { jwks_uri: `http://127.0.0.1:${closedPort}/jwks` });
      const err = await rejection(
        verifier().verify(token, { discoveryUrl: dead.discoveryUrl }),
        'issuer_unavailable',
      );
      assert.equal(err.message, "The trusted issuer's keys could not be read");
      assert.ok(err.cause !== undefined);

      const t = tenant('broken-jwks', [key.jwk]);
      const forTenant = await key.sign({ iss: t.issuer, sub: 'alice', exp: SEC + 60 });
      for (const fault of [
        { status: 500, body: '' },
        { status: 200, body: 'not json' },
        { status: 200, body: '{"keys":"none"}' },
      ]) {
        t.fault.set('jwks', fault);
        const e = await rejection(
          verifier().verify(forTenant, { discoveryUrl: t.discoveryUrl }),
          'issuer_unavailable',
        );
        assert.equal(e.message, "The trusted issuer's keys could not be read", JSON.stringify(fault));
      }
    });

    it('pins algorithms to the asymmetric ones the issuer advertises', async () => {
      const rsa = await keyPair('RS256', 'rsa');
      const ec = await keyPair('ES256', 'ec');
      const pinned = tenant('rs256-only', [rsa.jwk, ec.jwk], {
        id_token_signing_alg_values_supported: ['RS256'],
      });
      const jwt = verifier();
      const payload = { iss: pinned.issuer, sub: 'alice', exp: SEC + 60 };
      assert.equal(
        (await jwt.verify(await rsa.sign(payload), { discoveryUrl: pinned.discoveryUrl })).sub,
        'alice',
      );
      await rejection(jwt.verify(await ec.sign(payload), { discoveryUrl: pinned.discoveryUrl }), 'algorithm');

      // No list, or a list of symmetric algorithms only: every asymmetric algorithm, never HS256.
      for (const [name, advertised] of [
        ['any-alg', undefined],
        ['hs-only', ['HS256']],
      ] as const) {
        const open = tenant(name, [rsa.jwk, ec.jwk], { id_token_signing_alg_values_supported: advertised });
        const p = { iss: open.issuer, sub: 'alice', exp: SEC + 60 };
        assert.equal((await jwt.verify(await ec.sign(p), { discoveryUrl: open.discoveryUrl })).sub, 'alice');
        const hs = await new SignJWT(p)
          .setProtectedHeader({ alg: 'HS256', kid: 'rsa' })
          .sign(new TextEncoder().encode('shared-secret-shared-secret-0123'));
        await rejection(jwt.verify(hs, { discoveryUrl: open.discoveryUrl }), 'algorithm');
      }
    });

    it('refetches the JWKS for an unknown kid at most once per cooldown, and picks up a rotated key', async () => {
      const first = await keyPair('RS256', 'first');
      const second = await keyPair('RS256', 'second', 1);
      const t = tenant('rotation', [first.jwk]);
      const payload = { iss: t.issuer, sub: 'alice', exp: SEC + 60 };

      const cooling = verifier({ jwksCooldownMs: 60_000 });
      await cooling.verify(await first.sign(payload), { discoveryUrl: t.discoveryUrl });
      assert.equal(t.count('jwks'), 1);
      // Unknown kids inside the cooldown: refused without hammering the issuer.
      for (let i = 0; i < 3; i += 1) {
        await rejection(
          cooling.verify(await second.sign(payload), { discoveryUrl: t.discoveryUrl }),
          'unknown_key',
        );
      }
      assert.equal(t.count('jwks'), 1);

      // Without a cooldown, the rotated-in key is fetched on first sight.
      const eager = verifier({ jwksCooldownMs: 0 });
      await eager.verify(await first.sign(payload), { discoveryUrl: t.discoveryUrl });
      assert.equal(t.count('jwks'), 2);
      t.keys = [first.jwk, second.jwk];
      assert.equal(
        (await eager.verify(await second.sign(payload), { discoveryUrl: t.discoveryUrl })).sub,
        'alice',
      );
      assert.equal(t.count('jwks'), 3);
      await eager.verify(await second.sign(payload), { discoveryUrl: t.discoveryUrl });
      assert.equal(t.count('jwks'), 3);
    });

    it('reuses discovery for discoveryTtlMs on its clock, and forgets it on request', async () => {
      const key = await keyPair('RS256', 'k1');
      const t = tenant('ttl', [key.jwk]);
      let clock = NOW;
      const jwt = verifier({ discoveryTtlMs: 60_000, now: () => clock });
      const token = await key.sign({ iss: t.issuer, sub: 'alice', exp: SEC + 3600 });
      await jwt.verify(token, { discoveryUrl: t.discoveryUrl });
      clock += 59_999;
      await jwt.verify(token, { discoveryUrl: t.discoveryUrl });
      assert.equal(t.count('discovery'), 1);
      clock += 1;
      await jwt.verify(token, { discoveryUrl: t.discoveryUrl });
      assert.equal(t.count('discovery'), 2);
      jwt.forget(t.discoveryUrl);
      await jwt.verify(token, { discoveryUrl: t.discoveryUrl });
      assert.equal(t.count('discovery'), 3);
    });

    it('takes the issuer from the discovery document, not from its URL', async () => {
      const key = await keyPair('RS256', 'k1');
      const t = tenant('named', [key.jwk]);
      const jwt = verifier();
      assert.deepEqual(await jwt.issuerOf(t.discoveryUrl), { issuer: 'https://issuer.test/named' });
      const byUrl = await key.sign({ iss: `${base}/named`, sub: 'alice', exp: SEC + 60 });
      await rejection(jwt.verify(byUrl, { discoveryUrl: t.discoveryUrl }), 'issuer');
    });
  });
});
