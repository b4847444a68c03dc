import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { EncryptJWT, decodeProtectedHeader } from 'jose';
import { openTestVault } from '../../test/helpers/vault-db';
import { WatKeyRing } from './wat-keys';
import { WatRejectedError, WorkloadAccessTokens, type WatRejection } from './workload-access-token';

const HOUR = 3_600_000;
const ISSUER = 'mandate:aws:us-east-1:000000000000';

async function rejection(promise: Promise<unknown>, code: WatRejection): Promise<WatRejectedError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof WatRejectedError, String(err));
    assert.equal(err.code, code, err.message);
    return err;
  }
  return assert.fail(`expected ${code}, the token was accepted`);
}

describe('workload access tokens', () => {
  let vault: Awaited<ReturnType<typeof openTestVault>>;
  let clock = Date.UTC(2026, 10, 22, 9, 0, 0);
  const now = () => clock;
  let ring: WatKeyRing;
  let wats: WorkloadAccessTokens;

  before(async () => {
    vault = await openTestVault();
    ring = new WatKeyRing(vault.db, vault.envelope, {
      rotationMs: 24 * HOUR,
      maxTokenTtlMs: HOUR,
      refreshMs: 60_000,
      now,
    });
    await ring.refresh();
    wats = new WorkloadAccessTokens(ring, { issuer: ISSUER, ttlSeconds: 3600, now });
  });
  after(async () => {
    await vault.close();
  });

  it('binds the workload and the exact user, and is opaque to its holder', async () => {
    const token = await wats.mint({
      workloadName: 'crm-agent',
      user: { kind: 'jwt', iss: 'https://idp.example', sub: 'alice' },
    });
    const wat = await wats.verify(token, {
      workloadName: 'crm-agent',
      user: { kind: 'jwt', iss: 'https://idp.example', sub: 'alice' },
    });
    assert.deepEqual(wat.user, { kind: 'jwt', iss: 'https://idp.example', sub: 'alice' });
    assert.equal(wat.expiresAt, clock + HOUR);
    const header = decodeProtectedHeader(token);
    assert.equal(header.alg, 'dir');
    assert.equal(header.enc, 'A256GCM');
    const visible = token
      .split('.')
      .map((part) => Buffer.from(part, 'base64url').toString('latin1'))
      .join(' ');
    assert.ok(
      !visible.includes('crm-agent') && !visible.includes('alice'),
      'nothing readable but the header',
    );
  });

  it('refuses a token for workload A presented for workload B', async () => {
    const token = await wats.mint({ workloadName: 'agent-a' });
    const err = await rejection(wats.verify(token, { workloadName: 'agent-b' }), 'wrong_workload');
    assert.match(err.message, /another workload/);
  });

  it('refuses a token minted for user X used as user Y, and across user kinds', async () => {
    const forX = await wats.mint({ workloadName: 'agent-a', user: { kind: 'userId', userId: 'cognito+x' } });
    await rejection(wats.verify(forX, { user: { kind: 'userId', userId: 'cognito+y' } }), 'wrong_user');
    await rejection(wats.verify(forX, { user: { kind: 'jwt', iss: 'cognito', sub: 'x' } }), 'wrong_user');
    await rejection(wats.verify(forX, { user: undefined }), 'wrong_user');
    const jwtUser = await wats.mint({
      workloadName: 'agent-a',
      user: { kind: 'jwt', iss: 'https://a.example', sub: 'x' },
    });
    await rejection(
      wats.verify(jwtUser, { user: { kind: 'jwt', iss: 'https://b.example', sub: 'x' } }),
      'wrong_user',
    );
  });

  it('refuses a tampered token', async () => {
    const parts = (await wats.mint({ workloadName: 'agent-a' })).split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 0xff;
    parts[3] = body.toString('base64url');
    await rejection(wats.verify(parts.join('.')), 'invalid');
  });

  it('refuses forged tokens: an unknown key id, and a known key id with another key', async () => {
    const forge = (kid: string) =>
      new EncryptJWT({ wl: 'agent-a' })
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid, typ: 'wat+jwt' })
        .setIssuer(ISSUER)
        .setIssuedAt(Math.floor(clock / 1000))
        .setExpirationTime(Math.floor(clock / 1000) + 600)
        .encrypt(randomBytes(32));
    await rejection(wats.verify(await forge('made-up')), 'unknown_key');
    const realKid = decodeProtectedHeader(await wats.mint({ workloadName: 'agent-a' })).kid!;
    await rejection(wats.verify(await forge(realKid)), 'invalid');
    await rejection(wats.verify('not.a.token'), 'malformed');
  });

  it('never outlives the user token it was minted from, and expires', async () => {
    const notAfter = Math.floor(clock / 1000) + 120;
    const token = await wats.mint({ workloadName: 'agent-a', notAfter });
    // Verified once, so its claims are kept: expiry must still be checked on the next use.
    assert.equal((await wats.verify(token)).expiresAt, notAfter * 1000);
    const saved = clock;
    clock += 121_000;
    await rejection(wats.verify(token), 'expired');
    clock = saved;
  });

  it('rotates keys: publishes the next one ahead, keeps verifying old tokens, then retires the old key', async () => {
    const old = await wats.mint({ workloadName: 'agent-a' });
    const oldKid = decodeProtectedHeader(old).kid;
    // Verified once, so its claims are kept: a retired key must still refuse it below.
    assert.equal((await wats.verify(old)).workloadName, 'agent-a');

    // A second replica on the same database sees every key the first one publishes.
    const replica = new WatKeyRing(vault.db, vault.envelope, {
      rotationMs: 24 * HOUR,
      maxTokenTtlMs: HOUR,
      refreshMs: 60_000,
      now,
    });

    clock += 24 * HOUR - 60_000; // inside the publish horizon of the next key
    await ring.refresh();
    await replica.refresh();
    clock += 60_000; // the next key now signs
    const fresh = await wats.mint({ workloadName: 'agent-a' });
    assert.notEqual(decodeProtectedHeader(fresh).kid, oldKid);
    const replicaWats = new WorkloadAccessTokens(replica, { issuer: ISSUER, ttlSeconds: 3600, now });
    assert.equal((await replicaWats.verify(fresh)).workloadName, 'agent-a');

    clock += HOUR + 61_000; // past the old key's last token plus slack: the old key is retired
    await ring.refresh();
    await rejection(wats.verify(old), 'unknown_key');
    assert.equal((await wats.verify(await wats.mint({ workloadName: 'agent-a' }))).workloadName, 'agent-a');
  });
});
