import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AccessDeniedException,
  GetResourceApiKeyCommand,
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenCommand,
  ResourceNotFoundException,
  type BedrockAgentCoreClient,
} from '@aws-sdk/client-bedrock-agentcore';
import {
  CreateApiKeyCredentialProviderCommand,
  CreatePolicyCommand,
  CreatePolicyEngineCommand,
  DeleteApiKeyCredentialProviderCommand,
  DeletePolicyEngineCommand,
  DeleteOauth2CredentialProviderCommand,
  ListWorkloadIdentitiesCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { BedrockAgentCoreControlClient } from '@aws-sdk/client-bedrock-agentcore-control';
import {
  consentAs,
  createIdpProvider,
  expireStoredToken,
  registerAgentAndIdp,
} from '../helpers/consent-flow';
import type { TestIdp } from '../helpers/oidc-idp';
import { startScaleOut, type Replica, type ScaleOut } from '../helpers/scale-out';

const BOUND_MS = 1000;

/** Polls every 5 ms until `check` holds; answers how long that took, or fails after `ms`. */
async function timeUntil(check: () => Promise<boolean>, ms: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < ms) {
    if (await check()) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail(`not seen within ${ms} ms`);
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

/**
 * The production topology, proven on one machine: three API replicas and two workers on the
 * Temporal server (PostgreSQL persistence and visibility) and one PostgreSQL vault, driven through
 * the official SDK clients with callers spread over the replicas.
 */
describe('scale-out: three API replicas and two workers on the Temporal server and PostgreSQL', () => {
  let so: ScaleOut;
  let idp: TestIdp;

  before(async () => {
    so = await startScaleOut({ apis: 3, workers: 2, env: { MANDATE_REFRESH_SKEW_SECONDS: '10' } });
    idp = await registerAgentAndIdp(so.test, { accessTokenTtlSeconds: 20 });
  });
  after(async () => {
    await so?.stop();
    await idp?.stop();
  });

  const replica = (i: number) => so.replicas[i % so.replicas.length]!;
  const userToken = (client: BedrockAgentCoreClient, wat: string, scopes: string[]) =>
    client.send(
      new GetResourceOauth2TokenCommand({
        workloadIdentityToken: wat,
        resourceCredentialProviderName: 'idp',
        scopes,
        oauth2Flow: 'USER_FEDERATION',
        resourceOauth2ReturnUrl: 'https://app.example.com/oauth/return',
      }),
    );
  const refreshes = (user: string) => idp.grants.get(`refresh_token:success:${user}`) ?? 0;
  const reuses = () => idp.grants.get('refresh_token:error') ?? 0;

  it('100 callers over three replicas on an expired token: exactly one refresh, no reuse, all get the new token', async () => {
    const { wat, token, id } = await consentAs(so.test, idp, 'alice', ['read']);
    // Every replica has read (and cached) the connection before it expires.
    for (const r of so.replicas) assert.equal((await userToken(r.data, wat, ['read'])).accessToken, token);
    // Expired behind the service's back, through the first replica's vault, which tells the others
    // to drop their copies; real expiry needs no notification, since every copy holds the expiry.
    await expireStoredToken(so.test, id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = { refreshes: refreshes('alice'), reuses: reuses() };

    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => userToken(replica(i).data, wat, ['read'])),
    );
    const tokens = new Set(answers.map((a) => a.accessToken));
    assert.equal(tokens.size, 1, 'every caller got the same token');
    assert.ok(!tokens.has(token) && !tokens.has(undefined), 'a new token');
    assert.equal(refreshes('alice') - before.refreshes, 1, 'exactly one refresh');
    assert.equal(reuses() - before.reuses, 0, 'no refresh token presented twice');
  });

  it("a worker's scheduled refresh is served at once by every replica that cached the old token", async () => {
    const { wat, token } = await consentAs(so.test, idp, 'frank', ['read', 'write']);
    for (const r of so.replicas)
      assert.equal((await userToken(r.data, wat, ['read', 'write'])).accessToken, token);
    const before = refreshes('frank');
    // `write` tokens live 20 s here, refreshed 10 s before expiry: the lifecycle's own timer, no caller involved.
    await timeUntil(() => Promise.resolve(refreshes('frank') > before), 30_000);
    const seen = await Promise.all(
      so.replicas.map((r) =>
        timeUntil(
          async () => (await userToken(r.data, wat, ['read', 'write'])).accessToken !== token,
          BOUND_MS,
        ),
      ),
    );
    const fresh = await Promise.all(so.replicas.map((r) => userToken(r.data, wat, ['read', 'write'])));
    assert.equal(new Set(fresh.map((a) => a.accessToken)).size, 1, 'every replica serves the same new token');
    process.stdout.write(
      `# a worker's refresh served by every replica after ${Math.max(...seen).toFixed(0)} ms at most\n`,
    );
  });

  it('M2M first use from three replicas at once: one client-credentials grant', async () => {
    await createIdpProvider(so.test, idp, 'machines', { clientSecret: idp.clientSecret });
    const wat = (await so.test.data().send(new GetWorkloadAccessTokenCommand({ workloadName: 'agent' })))
      .workloadAccessToken!;
    const before = idp.grants.get('client_credentials:success') ?? 0;
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        replica(i).data.send(
          new GetResourceOauth2TokenCommand({
            workloadIdentityToken: wat,
            resourceCredentialProviderName: 'machines',
            scopes: ['read'],
            oauth2Flow: 'M2M',
          }),
        ),
      ),
    );
    assert.equal(new Set(answers.map((a) => a.accessToken)).size, 1);
    assert.equal((idp.grants.get('client_credentials:success') ?? 0) - before, 1, 'one grant');
  });

  it('a change through one replica is honoured by the others within a second: revocation, deleted key, providers, policy', async () => {
    const [first, second, third] = so.replicas as [Replica, Replica, Replica];
    const others = [second, third];
    const seenBy = async (check: (r: Replica) => Promise<boolean>) =>
      Math.max(...(await Promise.all(others.map((r) => timeUntil(() => check(r), BOUND_MS)))));
    const refused = (call: Promise<unknown>, type: new (...args: never[]) => Error) =>
      call.then(
        () => false,
        (err: unknown) => err instanceof type,
      );
    const figures: Record<string, number> = {};

    // Revocation: the other replicas stop serving the connection they cached.
    const { wat, id } = await consentAs(so.test, idp, 'bob', ['read']);
    for (const r of others) assert.ok((await userToken(r.data, wat, ['read'])).accessToken);
    const revoked = await so.test.extension('RevokeResourceOauth2ConnectionById', { connectionId: id });
    assert.equal(revoked.status, 200);
    figures.revocation = await seenBy(
      async (r) => (await userToken(r.data, wat, ['read'])).accessToken === undefined,
    );

    // Deleted access keys, measured 20 times for the spread.
    const keyTimes: number[] = [];
    const created = await so.test.extension('CreatePrincipal', {
      name: 'rotating-caller',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'bedrock-agentcore:*', Resource: '*' }],
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    for (let i = 0; i < 20; i += 1) {
      const key = await so.test.extension('CreatePrincipalAccessKey', { name: 'rotating-caller' });
      const credentials = key.body as unknown as { accessKeyId: string; secretAccessKey: string };
      const as = (r: Replica) =>
        new BedrockAgentCoreControlClient({
          endpoint: r.url,
          region: so.test.stack.config.deployment.region,
          credentials,
          maxAttempts: 1,
        });
      for (const r of others) await as(r).send(new ListWorkloadIdentitiesCommand({}));
      const deleted = await so.test.extension('DeletePrincipalAccessKey', {
        name: 'rotating-caller',
        accessKeyId: credentials.accessKeyId,
      });
      assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
      keyTimes.push(
        await seenBy((r) =>
          as(r)
            .send(new ListWorkloadIdentitiesCommand({}))
            .then(
              () => false,
              () => true,
            ),
        ),
      );
    }
    figures.accessKeyP50 = percentile(keyTimes, 50);
    figures.accessKeyP99 = percentile(keyTimes, 99);

    // A provider deleted through the first replica is gone on the others.
    await createIdpProvider(so.test, idp, 'short-lived', { clientSecret: idp.clientSecret });
    const machineWat = (await first.data.send(new GetWorkloadAccessTokenCommand({ workloadName: 'agent' })))
      .workloadAccessToken!;
    const m2m = (r: Replica) =>
      r.data.send(
        new GetResourceOauth2TokenCommand({
          workloadIdentityToken: machineWat,
          resourceCredentialProviderName: 'short-lived',
          scopes: ['read'],
          oauth2Flow: 'M2M',
        }),
      );
    for (const r of others) assert.ok((await m2m(r)).accessToken);
    await first.control.send(new DeleteOauth2CredentialProviderCommand({ name: 'short-lived' }));
    figures.provider = await seenBy((r) => refused(m2m(r), ResourceNotFoundException));

    // So is an API key provider (the hot path caches those too).
    await first.control.send(new CreateApiKeyCredentialProviderCommand({ name: 'search', apiKey: 'sk-1' }));
    const apiKey = (r: Replica) =>
      r.data.send(
        new GetResourceApiKeyCommand({
          workloadIdentityToken: machineWat,
          resourceCredentialProviderName: 'search',
        }),
      );
    for (const r of others) assert.equal((await apiKey(r)).apiKey, 'sk-1');
    await first.control.send(new DeleteApiKeyCredentialProviderCommand({ name: 'search' }));
    figures.apiKeyProvider = await seenBy((r) => refused(apiKey(r), ResourceNotFoundException));

    // A new forbid through the first replica refuses the others' next vault hit.
    const alice = await consentAs(so.test, idp, 'carol', ['read']);
    for (const r of others) assert.ok((await userToken(r.data, alice.wat, ['read'])).accessToken);
    const engine = await first.control.send(new CreatePolicyEngineCommand({ name: 'scale_out' }));
    await so.test.extension('AttachPolicyEngine', {
      policyEngineId: engine.policyEngineId,
      tokenVault: true,
    });
    await first.control.send(
      new CreatePolicyCommand({
        policyEngineId: engine.policyEngineId,
        name: 'nothing',
        definition: { cedar: { statement: 'forbid(principal, action, resource);' } },
      }),
    );
    figures.policy = await seenBy((r) =>
      refused(userToken(r.data, alice.wat, ['read']), AccessDeniedException),
    );
    await first.control.send(new DeletePolicyEngineCommand({ policyEngineId: engine.policyEngineId }));

    process.stdout.write(
      `# invalidation across replicas (ms until both other replicas honour the change): revocation ${figures.revocation.toFixed(0)}, access key p50 ${figures.accessKeyP50.toFixed(0)} p99 ${figures.accessKeyP99.toFixed(0)} (n=20), provider ${figures.provider.toFixed(0)}, API key provider ${figures.apiKeyProvider.toFixed(0)}, policy ${figures.policy.toFixed(0)}\n`,
    );
  });

  it('a worker killed during a refresh: the other worker finishes it, nothing lost', async () => {
    const { wat, token, id } = await consentAs(so.test, idp, 'dave', ['read']);
    // Only the first worker runs when the refresh starts; the second joins after the kill.
    await so.workers[1]!.stop();
    await expireStoredToken(so.test, id);
    const before = { refreshes: refreshes('dave'), reuses: reuses(), held: idp.heldTokenRequests() };
    idp.holdTokenRequests(3000);
    const asking = userToken(replica(1).data, wat, ['read']);
    await timeUntil(() => Promise.resolve(idp.heldTokenRequests() > before.held), 10_000);
    await so.workers[0]!.kill();
    idp.holdTokenRequests(0);
    so.workers[1] = await so.startWorker('worker-2b');
    const answer = await asking;
    assert.ok(answer.accessToken && answer.accessToken !== token, 'the caller got a new token');
    assert.equal(refreshes('dave') - before.refreshes, 1, 'exactly one refresh was processed');
    assert.equal(reuses() - before.reuses, 0, 'no refresh token was presented twice');
    so.workers[0] = await so.startWorker('worker-1b');
  });

  it("an API replica killed with requests in flight: its callers' retries succeed on the others", async () => {
    const { wat, token } = await consentAs(so.test, idp, 'erin', ['read']);
    const doomed = so.replicas[2]!;
    /** A caller behind a load balancer: a connection error sends the retry to the next replica. */
    const call = async (start: number) => {
      for (let attempt = 0; attempt < so.replicas.length; attempt += 1) {
        const target = so.replicas[(start + attempt) % so.replicas.length]!;
        try {
          return { answer: await userToken(target.data, wat, ['read']), retried: attempt > 0 };
        } catch (err) {
          if (target !== doomed) throw err;
        }
      }
      throw new Error('no replica answered');
    };
    const inFlight = Array.from({ length: 90 }, (_, i) =>
      new Promise((resolve) => setTimeout(resolve, i * 5)).then(() => call(i)),
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    await doomed.process!.kill();
    const results = await Promise.all(inFlight);
    assert.ok(
      results.every((r) => r.answer.accessToken === token),
      'every caller got the token',
    );
    assert.ok(
      results.some((r) => r.retried),
      'some callers hit the killed replica and retried',
    );
  });
});
