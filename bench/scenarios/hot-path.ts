import {
  CreatePolicyCommand,
  CreatePolicyEngineCommand,
  DeletePolicyEngineCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
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

/** A policy engine on the token vault: one permit for the bench's agent, eight for other teams, one forbid that does not apply. */
async function attachTenPolicyEngine(env: BenchEnvironment) {
  const control = env.test.control();
  const engine = await control.send(new CreatePolicyEngineCommand({ name: 'bench_releases' }));
  const statements = [
    'permit(principal == Mandate::Workload::"agent", action == Mandate::Action::"ReleaseToken", resource);',
    'forbid(principal, action, resource) when { context.scopes.contains("admin") };',
    ...Array.from(
      { length: 8 },
      (_, i) =>
        `permit(principal, action, resource) when { principal.hasTag("team") && principal.getTag("team") == "team-${i}" };`,
    ),
  ];
  for (const [i, statement] of statements.entries())
    await control.send(
      new CreatePolicyCommand({
        policyEngineId: engine.policyEngineId,
        name: `p${i}`,
        definition: { cedar: { statement } },
      }),
    );
  const attached = await env.test.extension('AttachPolicyEngine', {
    policyEngineId: engine.policyEngineId,
    tokenVault: true,
  });
  if (attached.status !== 200) throw new Error(`AttachPolicyEngine answered ${attached.status}`);
  return {
    remove: () => control.send(new DeletePolicyEngineCommand({ policyEngineId: engine.policyEngineId })),
  };
}

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
  const rows: {
    concurrency: number;
    mandate: Awaited<ReturnType<typeof repeatLoad>>;
    bareNodeHttp: Awaited<ReturnType<typeof repeatLoad>>;
    bareFastify: Awaited<ReturnType<typeof repeatLoad>>;
    ratioToNodeHttp: number;
    ratioToFastify: number;
    mandateWithPolicyEngine?: Awaited<ReturnType<typeof repeatLoad>>;
    ratioWithPolicyEngineToNodeHttp?: number;
  }[] = [];
  try {
    for (const concurrency of load.concurrencies) {
      const options = { ...load, concurrency };
      const bareNode = await repeatLoad(same(node.origin), { ...options, servedBy: node.pid });
      const bareFastify = await repeatLoad(same(fastify.origin), { ...options, servedBy: fastify.pid });
      const hot = await repeatLoad(mandate, { ...options, servedBy: env.api.pid! });
      rows.push({
        concurrency,
        mandate: hot,
        bareNodeHttp: bareNode,
        bareFastify,
        ratioToNodeHttp: hot.rps.median / bareNode.rps.median,
        ratioToFastify: hot.rps.median / bareFastify.rps.median,
      });
    }
    // The same hot path with a ten-policy engine on the token vault (Cedar decides every release).
    const engine = await attachTenPolicyEngine(env);
    // The API replica is another process: the change feed tells it of the attachment (within ms).
    await new Promise((resolve) => setTimeout(resolve, 500));
    const check = await fetch(`${env.apiUrl}${probe.path}`, {
      method: 'POST',
      headers: (await mandate()).requests[0]!.headers,
      body: probe.body,
    });
    if (!check.ok) throw new Error(`the hot path with a policy engine answered ${check.status}`);
    for (const row of rows) {
      const withEngine = await repeatLoad(mandate, { ...load, concurrency: row.concurrency });
      Object.assign(row, {
        mandateWithPolicyEngine: withEngine,
        ratioWithPolicyEngineToNodeHttp: withEngine.rps.median / row.bareNodeHttp.rps.median,
      });
    }
    await engine.remove();
    // Gone from the replica's cache too before the next scenario's releases (API keys among them).
    await new Promise((resolve) => setTimeout(resolve, 500));
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
