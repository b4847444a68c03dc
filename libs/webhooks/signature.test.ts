import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, webhookSignature } from './signature';

/** What a receiver does with the Standard Webhooks reference library. */
const verify = (secret: string, id: string, timestamp: number, body: string, signature: string) =>
  new Webhook(secret).verify(body, {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature,
  });

describe('webhookSignature (Standard Webhooks)', () => {
  const body = JSON.stringify({ type: 'connection.revoked', data: { connectionId: 'c1' } });
  const now = Math.floor(Date.now() / 1000);

  it('is accepted by the reference verifier, and refused for another body, id or secret', () => {
    const secret = newWebhookSecret();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    const signature = webhookSignature([secret], 'evt_1', now, body);
    assert.deepEqual(verify(secret, 'evt_1', now, body, signature), JSON.parse(body));
    assert.throws(() => verify(secret, 'evt_1', now, `${body} `, signature));
    assert.throws(() => verify(secret, 'evt_2', now, body, signature));
    assert.throws(() => verify(newWebhookSecret(), 'evt_1', now, body, signature));
  });

  it('signs with both secrets during a rotation, so receivers holding either accept it', () => {
    const [next, previous] = [newWebhookSecret(), newWebhookSecret()];
    const signature = webhookSignature([next, previous], 'evt_3', now, body);
    assert.equal(signature.split(' ').length, 2);
    assert.ok(verify(next, 'evt_3', now, body, signature));
    assert.ok(verify(previous, 'evt_3', now, body, signature));
  });
});
