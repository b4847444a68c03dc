import { consentAs, RETURN_URL } from '../../test/helpers/consent-flow';
import { startBareFastify, startBareNodeHttp } from '../baselines';
import type { BenchEnvironment } from '../environment';
import { repeatLoad, type LoadTarget } from '../harness';

export const TOKEN_PATH = '/identities/oauth2/token';

/** The body of a vault-hit `GetResourceOauth2Token`, as the AWS SDK sends it. */
export const tokenRequest = (wat: string) => ({
  workloadIdentityToken: wat,
  resourceCredentialProviderName: 'idp',
  scopes: ['read'],
  oauth2Flow: 'USER_FEDERATION',
  resourceOauth2ReturnUrl: RETURN_URL,
});

/**
 * The hot path: `GetResourceOauth2Token` served from the vault over HTTP, SigV4-signed, next to a bare
 * node:http and a bare Fastify JSON endpoint under the same load in the same run.
 */
export async function hotPath(
  env: BenchEnvironment,
  load: { warmupMs: number; durationMs: number; repeats: number; concurrencies: number[] },
) {
  const { wat } = await consentAs(env.test, env.idp, 'bench-user', ['read']);
  const mandate = async (): Promise<LoadTarget> => ({
    origin: env.apiUrl,
    requests: [await env.signed(TOKEN_PATH, tokenRequest(wat))],
  });
  const probe = (await mandate()).requests[0]!;
  const answer = await fetch(`${env.apiUrl}${probe.path}`, {
    method: 'POST',
    headers: probe.headers,
    body: probe.body,
  });
  const json = (await answer.json()) as { accessToken?: string };
  if (!json.accessToken) throw new Error(`the hot path did not answer a token: ${JSON.stringify(json)}`);

  const node = await startBareNodeHttp();
  const fastify = await startBareFastify();
  const same = (origin: string) => async (): Promise<LoadTarget> => ({
    origin,
    requests: (await mandate()).requests,
  });
  const rows = [];
  try {
    for (const concurrency of load.concurrencies) {
      const options = { ...load, concurrency };
      const bareNode = await repeatLoad(same(node.origin), options);
      const bareFastify = await repeatLoad(same(fastify.origin), options);
      const hot = await repeatLoad(mandate, options);
      rows.push({
        concurrency,
        mandate: hot,
        bareNodeHttp: bareNode,
        bareFastify,
        ratioToNodeHttp: hot.rps.median / bareNode.rps.median,
        ratioToFastify: hot.rps.median / bareFastify.rps.median,
      });
    }
  } finally {
    await node.close();
    await fastify.close();
  }
  // The stable key the goals and the closing notes quote: Mandate / bare node:http per concurrency.
  const ratioToNodeHttp = Object.fromEntries(
    rows.map((row) => [String(row.concurrency), row.ratioToNodeHttp]),
  );
  return { ratioToNodeHttp, rows };
}
