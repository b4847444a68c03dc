import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { CookieSeal } from './cookie-seal';

describe('CookieSeal', () => {
  const seal = new CookieSeal(randomBytes(32));

  it('opens what it sealed, for the same purpose only', () => {
    const value = seal.seal('portal-session:a', { sid: 's1', name: 'Alice' });
    assert.deepEqual(seal.open('portal-session:a', value), { sid: 's1', name: 'Alice' });
    assert.equal(seal.open('portal-session:b', value), undefined, 'another portal');
    assert.equal(seal.open('portal-sign-in:a', value), undefined, 'another purpose');
  });

  it('hides the content and refuses any altered, truncated or foreign value', () => {
    const value = seal.seal('p', { sid: 'secret-session-id' });
    const parts = value.split('.');
    assert.equal(parts.length, 5);
    assert.doesNotMatch(
      parts.map((part) => Buffer.from(part, 'base64url').toString('latin1')).join(''),
      /secret-session-id/,
    );
    const ciphertext = parts[3]!;
    const flipped = `${ciphertext.slice(0, 3)}${ciphertext[3] === 'A' ? 'B' : 'A'}${ciphertext.slice(4)}`;
    // Another purpose written into the header: the header is authenticated, so decryption fails.
    const header = Buffer.from(
      JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid: 'portal-cookie', typ: 'q' }),
    ).toString('base64url');
    for (const bad of [
      [parts[0], parts[1], parts[2], flipped, parts[4]].join('.'),
      parts.slice(0, 4).join('.'),
      `${value}.x`,
      [header, ...parts.slice(1)].join('.'),
      '',
      'a.b',
    ]) {
      assert.equal(seal.open('p', bad), undefined, bad);
      assert.equal(seal.open('q', bad), undefined, bad);
    }
    assert.equal(new CookieSeal(randomBytes(32)).open('p', value), undefined, 'another key');
    assert.equal(seal.open('p', undefined), undefined);
  });
});
