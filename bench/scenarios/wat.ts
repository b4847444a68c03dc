import { GetWorkloadAccessTokenForUserIdCommand } from '@aws-sdk/client-bedrock-agentcore';
import { CreateApiKeyCredentialProviderCommand } from '@aws-sdk/client-bedrock-agentcore-control';
import { TEST_API_AUDIENCE } from '../../test/helpers/oidc-idp';
import type { BenchEnvironment } from '../environment';
import { repeatLoad } from '../harness';

/**
 * Workload access tokens over HTTP: minting from a user JWT (`GetWorkloadAccessTokenForJWT`, which
 * verifies the JWT) and a call whose cost is verifying a WAT (`GetResourceApiKey`, secret cached).
 */
export async function watOverHttp(
  env: BenchEnvironment,
  load: { warmupMs: number; durationMs: number; repeats: number; concurrency: number },
) {
  const put = await env.test.extension('PutWorkloadIdentityAuthorizer', {
    name: 'agent',
    authorizerConfiguration: {
      customJWTAuthorizer: { discoveryUrl: env.idp.discoveryUrl, allowedAudience: [TEST_API_AUDIENCE] },
    },
  });
  if (put.status !== 200) throw new Error(`authorizer: ${JSON.stringify(put.body)}`);
  const { accessToken: userToken } = await env.idp.login('alice');
  await env.test
    .control()
    .send(new CreateApiKeyCredentialProviderCommand({ name: 'bench-key', apiKey: 'k'.repeat(40) }));
  const wat = (
    await env.test
      .data()
      .send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName: 'agent', userId: 'alice' }))
  ).workloadAccessToken!;
  const origin = env.apiUrl;
  // The API replica is another process: it sees the new authorizer once its cache TTL has passed.
  for (let tries = 0; ; tries += 1) {
    const probe = await env.signed('/identities/GetWorkloadAccessTokenForJWT', {
      workloadName: 'agent',
      userToken,
    });
    const answer = await fetch(`${origin}${probe.path}`, {
      method: 'POST',
      headers: probe.headers,
      body: probe.body,
    });
    if (answer.ok) break;
    if (tries >= 40) throw new Error(`GetWorkloadAccessTokenForJWT answered ${answer.status}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const mint = await repeatLoad(
    async () => ({
      origin,
      requests: [
        await env.signed('/identities/GetWorkloadAccessTokenForJWT', { workloadName: 'agent', userToken }),
      ],
    }),
    load,
  );
  const verify = await repeatLoad(
    async () => ({
      origin,
      requests: [
        await env.signed('/identities/api-key', {
          workloadIdentityToken: wat,
          resourceCredentialProviderName: 'bench-key',
        }),
      ],
    }),
    load,
  );
  const forUserId = await repeatLoad(
    async () => ({
      origin,
      requests: [
        await env.signed('/identities/GetWorkloadAccessTokenForUserId', {
          workloadName: 'agent',
          userId: 'alice',
        }),
      ],
    }),
    load,
  );
  return { mintForJwt: mint, verifyViaGetResourceApiKey: verify, mintForUserId: forUserId };
}
