import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { UserKeys } from './user-key';

const alice = { kind: 'userId', userId: 'alice' } as const;
const aliceJwt = { kind: 'jwt', iss: 'https://idp.example.com', sub: 'alice' } as const;
const plain = (canonical: unknown[]) =>
  `u1.${createHash('sha256').update(JSON.stringify(canonical)).digest('base64url')}`;

describe('user hashes are keyed', () => {
  const keys = new UserKeys(randomBytes(32));

  it('is an HMAC: stable under one key, different under another, never the plain SHA-256', () => {
    const hash = keys.hash(alice);
    assert.match(hash, /^u2\.[A-Za-z0-9_-]{43}$/);
    assert.equal(keys.hash(alice), hash);
    assert.notEqual(new UserKeys(randomBytes(32)).hash(alice), hash, 'another server secret, another hash');
    assert.notEqual(hash.slice(3), plain(['userId', 'alice']).slice(3), 'not recomputable from the user id');
  });

  it('keeps JWT users and user ids apart', () => {
    assert.notEqual(keys.hash(aliceJwt), keys.hash(alice));
  });

  it('converts a legacy hash without knowing the user, and compares either format', () => {
    const legacy = plain(['userId', 'alice']);
    assert.equal(keys.legacy(alice), legacy, 'the legacy format is what earlier versions stored');
    assert.equal(keys.fromLegacy(legacy), keys.hash(alice));
    assert.equal(keys.fromLegacy(keys.hash(alice)), undefined, 'a keyed hash is not converted again');
    assert.equal(keys.isUser(legacy, alice), true);
    assert.equal(keys.isUser(keys.hash(alice), alice), true);
    assert.equal(keys.isUser(keys.hash(aliceJwt), alice), false);
    assert.equal(keys.isUser('u2.short', alice), false);
    assert.equal(keys.inFormatOf(legacy, alice), legacy);
    assert.equal(keys.inFormatOf(keys.hash(alice), alice), keys.hash(alice));
  });
});
