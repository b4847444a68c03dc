import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConnectionsRepository } from '../../libs/vault/connections.repository';
import type { ManagedProcess } from '../../libs/local-stack/child-process';
import { startTemporalDevServer, type TemporalDevServer } from '../../libs/local-stack/temporal-dev-server';
import {
  lifecycleStatusQuery,
  connectionLifecycleWorkflowId,
} from '../../workflows/connection-lifecycle/definitions';
import { askToken, consentAs, expireStoredToken, registerAgentAndIdp } from '../helpers/consent-flow';
import type { TestIdp } from '../helpers/oidc-idp';
import { startPostgres, type TestPostgres } from '../helpers/postgres';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';
import { startWebhookReceiver } from '../helpers/webhook-receiver';
import { startWorkerProcess } from '../helpers/worker-process';

/** Polls until `check` holds or `ms` pass; answers whether it held. */
async function eventually(check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(250);
  }
  return check();
}

/**
 * Faults with real processes: PostgreSQL, the Temporal dev server (SQLite) and the worker each run
 * as their own process; the API runs in this one. Each fault ends with the connection healthy, its
 * tokens kept, and no refresh token presented twice (the IdP revokes the grant if one is).
 */
describe('faults: worker killed mid-refresh, Temporal restarted with timers pending, IdP down', () => {
  let postgres: TestPostgres;
  let test: TestStack;
  let idp: TestIdp;
  let worker: ManagedProcess;
  let temporal: TemporalDevServer | undefined;
  let connections: ConnectionsRepository;

  const refreshes = (user: string) => idp.grants.get(`refresh_token:success:${user}`) ?? 0;
  const reuses = () => idp.grants.get('refresh_token:error') ?? 0;
  const status = (id: string) =>
    test.stack.runtime.temporal.workflow
      .getHandle(connectionLifecycleWorkflowId(id))
      .query(lifecycleStatusQuery);

  before(async () => {
    postgres = await startPostgres();
    test = await startTestStack(
      await testStackEnv({
        DATABASE_URL: postgres.url,
        MANDATE_ALLOW_PRIVATE_NETWORK_URLS: 'true',
        MANDATE_REFRESH_SKEW_SECONDS: '10',
      }),
      { worker: false },
    );
    worker = await startWorkerProcess(test, 'worker-1');
    idp = await registerAgentAndIdp(test, { accessTokenTtlSeconds: 20 });
    connections = new ConnectionsRepository(test.stack.runtime.db, test.stack.runtime.envelope);
  });
  after(async () => {
    await worker?.stop();
    await test?.destroy();
    await temporal?.process.stop();
    await idp?.stop();
    await postgres?.stop();
  });

  it('kills the worker while the IdP holds its refresh request; a new worker finishes the refresh', async () => {
    const { wat, token, id } = await consentAs(test, idp, 'alice', ['read']);
    await expireStoredToken(test, id);
    const before = { refreshes: refreshes('alice'), reuses: reuses(), held: idp.heldTokenRequests() };

    idp.holdTokenRequests(3000);
    const asking = askToken(test, wat, ['read']);
    assert.ok(
      await eventually(() => idp.heldTokenRequests() > before.held, 10_000),
      'the refresh reached the IdP',
    );
    await worker.kill();
    idp.holdTokenRequests(0);
    const killedAt = Date.now();
    worker = await startWorkerProcess(test, 'worker-2');

    const answer = await asking;
    process.stdout.write(
      `# worker killed mid-refresh: the caller got its token ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill\n`,
    );
    assert.ok(answer.accessToken && answer.accessToken !== token, 'the caller got a new token');
    assert.equal(refreshes('alice') - before.refreshes, 1, 'exactly one refresh was processed');
    assert.equal(reuses() - before.reuses, 0, 'no refresh token was presented twice');
    assert.equal((await connections.read(id))?.tokens.accessToken, answer.accessToken, 'the vault holds it');
    assert.equal((await status(id)).state, 'ACTIVE');
  });

  it('restarts the Temporal dev server while a refresh timer is pending; the timer still fires', async () => {
    const { wat, token, id } = await consentAs(test, idp, 'bob', ['read', 'write']);
    const before = { refreshes: refreshes('bob'), reuses: reuses() };
    const dev = test.stack.temporalDevServer!;
    await dev.process.stop();
    await sleep(1000);
    temporal = await startTemporalDevServer({
      dataDir: test.dataDir,
      port: Number(test.env.TEMPORAL_DEV_PORT),
    });
    // The 20 s token is due for refresh 10 s before expiry; the worker and the API reconnect by themselves.
    let current = token;
    const refreshed = await eventually(async () => {
      current = (await askToken(test, wat, ['read', 'write'])).accessToken ?? current;
      return current !== token;
    }, 40_000);
    assert.ok(refreshed, 'the lifecycle refreshed after the restart');
    assert.ok(refreshes('bob') - before.refreshes >= 1);
    assert.equal(reuses() - before.reuses, 0);
    assert.equal((await connections.read(id))?.tokens.accessToken, current);
  });

  it('keeps serving the still-valid token while the IdP is down, and refreshes once it is back', async () => {
    const { wat, token, id } = await consentAs(test, idp, 'carol', ['read', 'write']);
    const before = { refreshes: refreshes('carol'), reuses: reuses() };
    const expiresAt = (await connections.read(id))!.connection.expiresAt!.getTime();
    await idp.pause();

    // Inside the renewal margin (5 s before expiry) the refresh is already failing; the caller waits
    // a moment at most and gets the token it has, still valid.
    await sleep(Math.max(0, expiresAt - 4000 - Date.now()));
    const asked = Date.now();
    const served = await askToken(test, wat, ['read', 'write']);
    assert.equal(served.accessToken, token, 'the still-valid token is served');
    assert.ok(Date.now() < expiresAt, 'and it was still valid when served');
    process.stdout.write(`# IdP down: the still-valid token was served in ${Date.now() - asked} ms\n`);
    assert.ok(await connections.read(id), 'the tokens are kept while the IdP is down');

    await sleep(2000);
    await idp.resume();
    let current = token;
    const refreshed = await eventually(async () => {
      current = (await askToken(test, wat, ['read', 'write'])).accessToken ?? current;
      return current !== token;
    }, 40_000);
    assert.ok(refreshed, 'refreshed once the IdP was back');
    assert.equal(refreshes('carol') - before.refreshes, 1);
    assert.equal(reuses() - before.reuses, 0);
    assert.equal((await status(id)).state, 'ACTIVE');
  });

  it('kills the worker while a webhook delivery is being retried; the new worker delivers it once', async () => {
    let up = false;
    const receiver = await startWebhookReceiver(() => (up ? 200 : 500));
    try {
      const created = await test.extension('CreateWebhookSubscription', {
        name: 'faults',
        url: receiver.url,
        events: ['consent.completed'],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      await consentAs(test, idp, 'dora', ['read']);
      assert.ok(await eventually(() => receiver.received.length >= 2, 15_000), 'retried while down');
      await worker.kill();
      up = true;
      worker = await startWorkerProcess(test, 'worker-3');
      // Backoff doubles from 1 s: the next attempt is due within seconds of the new worker's start.
      assert.ok(await eventually(() => receiver.taken().length >= 1, 60_000), 'delivered after the restart');
      await sleep(2000);
      const ids = receiver.received.map((r) => r.headers['webhook-id']);
      assert.equal(new Set(ids).size, 1, 'one event throughout');
      assert.equal(receiver.taken().length, 1, 'taken once');
      const deliveries = await test.extension('ListWebhookDeliveries', { subscriptionName: 'faults' });
      const [delivery] = deliveries.body.deliveries as Record<string, unknown>[];
      assert.equal(delivery!.state, 'DELIVERED');
      assert.ok((delivery!.attempts as number) >= 2, 'the refused attempts are counted');
    } finally {
      await receiver.stop();
    }
  });
});
