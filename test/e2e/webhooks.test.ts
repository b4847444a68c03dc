import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { consentAs, registerAgentAndIdp } from '../helpers/consent-flow';
import type { TestIdp } from '../helpers/oidc-idp';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';
import { startWebhookReceiver } from '../helpers/webhook-receiver';

describe('webhooks: signed events, delivered durably and in order', () => {
  let test: TestStack;
  let idp: TestIdp;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

  const until = async (what: () => boolean, label: string) => {
    const deadline = Date.now() + 30_000;
    while (!what()) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${label}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  before(async () => {
    test = await startTestStack(await testStackEnv({ MANDATE_ALLOW_PRIVATE_NETWORK_URLS: 'true' }));
    idp = await registerAgentAndIdp(test);
    // Down for the first two requests, then up.
    receiver = await startWebhookReceiver((n) => (n < 2 ? 500 : 200));
  });
  after(async () => {
    await test?.destroy();
    await idp?.stop();
    await receiver?.stop();
  });

  it('delivers each event once by id, signed, after the receiver recovers, and shows the deliveries', async () => {
    const created = await test.extension('CreateWebhookSubscription', {
      name: 'ops-events',
      url: receiver.url,
      events: ['consent.completed', 'connection.created', 'connection.revoked'],
      description: 'the on-call channel',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const secret = created.body.secret as string;
    assert.match(secret, /^whsec_/);
    const shown = await test.extension('GetWebhookSubscription', { name: 'ops-events' });
    assert.equal(shown.body.url, receiver.url);
    assert.ok(!JSON.stringify(shown.body).includes(secret), 'the secret is shown once only');
    const listed = await test.extension('ListWebhookSubscriptions', {});
    assert.deepEqual(
      (listed.body.subscriptions as { name: string }[]).map((s) => s.name),
      ['ops-events'],
    );
    assert.ok(!JSON.stringify(listed.body).includes(secret));

    const { token, wat, id } = await consentAs(test, idp, 'hook-alice', ['read']);
    const revoked = await test.extension('RevokeResourceOauth2ConnectionById', { connectionId: id });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    await until(() => receiver.taken().length >= 3, 'three events');

    const verifier = new Webhook(secret);
    const events = receiver.taken().map(({ headers, body }) => {
      const event = verifier.verify(body, {
        'webhook-id': headers['webhook-id'] as string,
        'webhook-timestamp': headers['webhook-timestamp'] as string,
        'webhook-signature': headers['webhook-signature'] as string,
      }) as { id: string; type: string; data: Record<string, string> };
      assert.equal(event.id, headers['webhook-id']);
      return event;
    });
    assert.deepEqual(
      events.map((e) => e.type),
      ['consent.completed', 'connection.created', 'connection.revoked'],
      'in order, each once',
    );
    assert.equal(new Set(events.map((e) => e.id)).size, 3);
    const userHash = test.stack.runtime.userKeys.hash({ kind: 'userId', userId: 'hook-alice' });
    for (const event of events)
      assert.deepEqual(event.data, {
        connectionId: id,
        workloadName: 'agent',
        resourceCredentialProviderName: 'idp',
        userHash,
      });
    // The two refusals were retried with the same id and body.
    const first = receiver.received.filter((r) => r.headers['webhook-id'] === events[0]!.id);
    assert.deepEqual(
      first.map((r) => r.status),
      [500, 500, 200],
    );
    assert.equal(new Set(first.map((r) => r.body)).size, 1);
    const everything = JSON.stringify(receiver.received);
    for (const value of [token, wat, idp.clientSecret, 'hook-alice'])
      assert.ok(!everything.includes(value), 'a secret or a user id reached the receiver');

    const deliveries = await test.extension('ListWebhookDeliveries', { subscriptionName: 'ops-events' });
    const rows = deliveries.body.deliveries as Record<string, unknown>[];
    assert.deepEqual(
      rows.map((d) => [d.eventType, d.state, d.attempts, d.lastStatusCode]),
      [
        ['consent.completed', 'DELIVERED', 3, 200],
        ['connection.created', 'DELIVERED', 1, 200],
        ['connection.revoked', 'DELIVERED', 1, 200],
      ],
    );
  });

  it('rotates the secret: both sign during the overlap', async () => {
    const before = await test.extension('CreateWebhookSubscription', {
      name: 'rotating',
      url: receiver.url,
      events: ['connection.revoked'],
    });
    const rotated = await test.extension('RotateWebhookSecret', { name: 'rotating', overlapSeconds: 3600 });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    assert.notEqual(rotated.body.secret, before.body.secret);
    assert.ok(Date.parse(rotated.body.previousSecretExpiresTime as string) > Date.now());

    const start = receiver.taken().length;
    const { id } = await consentAs(test, idp, 'hook-bob', ['read']);
    await test.extension('RevokeResourceOauth2ConnectionById', { connectionId: id });
    // ops-events gets its three, rotating its one.
    await until(() => receiver.taken().length >= start + 4, 'the events after the rotation');
    const mine = receiver
      .taken()
      .slice(start)
      .filter((r) => r.headers['webhook-signature']!.toString().split(' ').length === 2);
    assert.equal(mine.length, 1);
    const headers = mine[0]!.headers as Record<string, string>;
    for (const secret of [rotated.body.secret, before.body.secret] as string[])
      assert.ok(new Webhook(secret).verify(mine[0]!.body, headers));
  });

  it('refuses receivers the outbound URL guard refuses, and bad input, with ValidationException', async () => {
    const VALID = { name: 'refused', url: 'https://hooks.example.com/', events: ['consent.failed'] };
    for (const [input, field] of [
      [{ url: 'http://169.254.169.254/latest/meta-data' }, 'url'],
      [{ url: 'https://user:pass@hooks.example.com/' }, 'url'],
      [{ url: 'ftp://hooks.example.com/' }, 'url'],
      [{ events: ['connection.exploded'] }, 'events'],
      [{ events: [] }, 'events'],
      [{ name: 'no spaces' }, 'name'],
    ] as const) {
      const answer = await test.extension('CreateWebhookSubscription', { ...VALID, ...input });
      assert.equal(answer.type, 'ValidationException', JSON.stringify(answer.body));
      assert.deepEqual(
        (answer.body.fieldList as { name: string }[]).map((f) => f.name.split('.')[0]),
        [field],
      );
    }
    const again = await test.extension('CreateWebhookSubscription', {
      name: 'ops-events',
      url: 'https://hooks.example.com/',
      events: ['consent.failed'],
    });
    assert.equal(again.type, 'ConflictException');
    const missing = await test.extension('DeleteWebhookSubscription', { name: 'nobody' });
    assert.equal(missing.type, 'ResourceNotFoundException');
  });
});
