import { performance } from 'node:perf_hooks';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { compilePolicy, evaluate } from '../../libs/auth/iam-policy';
import { ReleasePolicy } from '../../libs/policy/release-policy';
import { JwtVerifier } from '../../libs/auth/jwt.verifier';
import { KNOWN_OPERATIONS } from '../../libs/auth/operations';
import { WatKeyRing } from '../../libs/auth/wat-keys';
import { WorkloadAccessTokens } from '../../libs/auth/workload-access-token';
import { Envelope, fixedKeys } from '../../libs/vault/envelope';
import { LocalKeyEncryptionKey } from '../../libs/vault/key-encryption-key';
import { openTestVault } from '../../test/helpers/vault-db';

/** Runs `fn` repeatedly: warm-up, then `rounds` timed rounds of `n` calls; µs per call as median and range. */
async function measure(name: string, n: number, fn: () => Promise<unknown>, rounds = 7) {
  for (let i = 0; i < n; i += 1) await fn();
  const perOp: number[] = [];
  for (let r = 0; r < rounds; r += 1) {
    const start = performance.now();
    for (let i = 0; i < n; i += 1) await fn();
    perOp.push(((performance.now() - start) * 1000) / n);
  }
  perOp.sort((a, b) => a - b);
  const median = perOp[Math.floor(rounds / 2)]!;
  return {
    name,
    n,
    rounds,
    medianUs: median,
    minUs: perOp[0]!,
    maxUs: perOp[rounds - 1]!,
    opsPerSecond: 1e6 / median,
  };
}

/**
 * A policy engine on the token vault with ten policies (nine permits on other workloads' tags, one
 * permit for this workload, one forbid that does not apply), as the release check evaluates them.
 */
function cedarRelease() {
  const now = new Date();
  const engine = {
    id: 'bench-aaaaaaaaaa',
    name: 'bench',
    attachedToVault: true,
    attachedWorkloads: [],
    tags: {},
    createdAt: now,
    updatedAt: now,
  };
  const statement = (i: number) =>
    i === 0
      ? 'forbid(principal, action, resource) when { context.scopes.contains("admin") };'
      : `permit(principal, action == Mandate::Action::"ReleaseToken", resource) when { principal.hasTag("team") && principal.getTag("team") == "team-${i}" && context.hourUtc >= 0 };`;
  const policies = Array.from({ length: 10 }, (_, i) => ({
    id: `p${i}-aaaaaaaaaa`,
    engineId: engine.id,
    name: `p${i}`,
    statement: statement(i),
    enforcementMode: 'ACTIVE' as const,
    createdAt: now,
    updatedAt: now,
  }));
  const policy = new ReleasePolicy(
    { enginesFor: () => Promise.resolve([engine]), policies: () => Promise.resolve(policies) },
    3_600_000,
  );
  const request = {
    action: 'ReleaseToken' as const,
    workloadName: 'crm-agent',
    providerName: 'salesforce',
    flow: 'USER_FEDERATION' as const,
    scopes: ['api', 'refresh_token'],
    resources: [],
    audiences: [],
    caller: 'crm-agent-role',
    user: { hash: 'u2.bench', kind: 'userId' as const, groups: [] },
    approved: false,
    now,
  };
  const subjects = {
    workloadTags: () => Promise.resolve({ team: 'team-9' }),
    provider: () => Promise.resolve({ vendor: 'SalesforceOauth2', tags: {} }),
  };
  return { policy, request, subjects };
}

/**
 * In-process, one core: workload access tokens (mint with and without the user JWT check, verify),
 * user JWT verification, and the vault's envelope encryption.
 */
export async function microBenchmarks() {
  const vault = await openTestVault();
  const ring = new WatKeyRing(vault.db, vault.envelope, {
    rotationMs: 86_400_000,
    maxTokenTtlMs: 3_600_000,
    refreshMs: 60_000,
  });
  await ring.refresh();
  const wats = new WorkloadAccessTokens(ring, { issuer: 'mandate:bench', ttlSeconds: 3600 });

  // A JWT verifier against an in-memory issuer: the network is not what this measures.
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
  const issuer = 'https://idp.bench';
  const documents: Record<string, unknown> = {
    [`${issuer}/.well-known/openid-configuration`]: {
      issuer,
      jwks_uri: `${issuer}/jwks`,
      id_token_signing_alg_values_supported: ['RS256'],
    },
    [`${issuer}/jwks`]: { keys: [jwk] },
  };
  const inMemoryFetch = ((url: string | URL) =>
    Promise.resolve(
      new Response(JSON.stringify(documents[String(url)]), {
        headers: { 'content-type': 'application/json' },
      }),
    )) as typeof fetch;
  const verifier = new JwtVerifier({ fetch: inMemoryFetch, clockToleranceSeconds: 30 });
  const authorizer = { discoveryUrl: `${issuer}/.well-known/openid-configuration`, allowedAudience: ['api'] };
  const userToken = await new SignJWT({ sub: 'alice', aud: 'api', scope: 'read' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(issuer)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);

  const user = { kind: 'jwt' as const, iss: issuer, sub: 'alice' };
  // A sealed token-sized value; a fresh envelope per call measures the cold path (unwrap + decrypt).
  const sealed = await vault.envelope.seal('x'.repeat(1200), 'bench:record');
  const coldKeys = fixedKeys(LocalKeyEncryptionKey.fromFile(vault.keyFile));
  const token = await wats.mint({ workloadName: 'bench-agent', user, userToken });

  // A least-privilege agent's policy as the hot path evaluates it: two resources, a condition, a deny.
  const arn =
    'arn:aws:bedrock-agentcore:us-east-1:000000000000:workload-identity-directory/default/workload-identity';
  const providers = 'arn:aws:acps:us-east-1:000000000000:token-vault/default/oauth2credentialprovider';
  const policy = compilePolicy(
    {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: [
            'bedrock-agentcore:GetResourceOauth2Token',
            'bedrock-agentcore:GetWorkloadAccessTokenFor*',
          ],
          Resource: [`${arn}/crm-*`, `${providers}/salesforce`],
          Condition: { StringLike: { 'bedrock-agentcore:UserId': '*@example.com' } },
        },
        { Effect: 'Deny', Action: '*', Resource: `${providers}/admin-*` },
      ],
    },
    KNOWN_OPERATIONS,
  );
  const decision = {
    action: 'bedrock-agentcore:GetResourceOauth2Token',
    resources: [`${arn}/crm-agent`, `${providers}/salesforce`],
    context: {
      'bedrock-agentcore:UserId': 'alice@example.com',
      'bedrock-agentcore:OAuth2Flow': 'USER_FEDERATION',
    },
  };
  if (evaluate([policy], decision).decision !== 'Allow')
    throw new Error('the bench policy must allow its request');
  const release = cedarRelease();
  let call = 0;
  const results = [
    await measure('Cedar release decision, ten-policy engine (cache miss: Cedar runs)', 2000, () =>
      release.policy.decide({ ...release.request, caller: `caller-${(call += 1)}` }, release.subjects),
    ),
    await measure('Cedar release decision, ten-policy engine (identical inputs: cached)', 20_000, () =>
      release.policy.decide(release.request, release.subjects),
    ),
    await measure('policy decision (2 statements, 2 resources, 1 condition)', 20_000, () =>
      Promise.resolve(evaluate([policy], decision)),
    ),
    await measure('WAT mint (workload + JWT user)', 2000, () =>
      wats.mint({ workloadName: 'bench-agent', user, userToken }),
    ),
    await measure('WAT verify', 2000, () => wats.verify(token, { workloadName: 'bench-agent', user })),
    await measure('user JWT verify (RS256, cached JWKS)', 2000, () => verifier.verify(userToken, authorizer)),
    await measure('vault open, data key cached (1.2 kB value)', 5000, () =>
      vault.envelope.open(sealed.value, 'bench:record'),
    ),
    await measure('vault open, cold (unwrap with the local key + decrypt)', 5000, () =>
      new Envelope(coldKeys).open(sealed.value, 'bench:record'),
    ),
    await measure('vault seal (1.2 kB value)', 5000, () =>
      vault.envelope.seal('x'.repeat(1200), 'bench:record'),
    ),
    await measure('ForJWT mint = JWT verify + WAT mint', 1000, async () => {
      const verified = await verifier.verify(userToken, authorizer);
      return wats.mint({
        workloadName: 'bench-agent',
        user: { kind: 'jwt', iss: verified.iss, sub: verified.sub },
        userToken,
      });
    }),
  ];
  await vault.close();
  return results;
}
