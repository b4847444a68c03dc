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
    assert.doesNotMatch(
      Buffer.from(value.split('.')[1]!, 'base64url').toString('latin1'),
      /secret-session-id/,
    );
    const [iv, body] = value.split('.') as [string, string];
    const flipped = `${body.slice(0, 3)}${body[3] === 'A' ? 'B' : 'A'}${body.slice(4)}`;
    for (const bad of [
      `${iv}.${flipped}`,
      `${iv}.${body.slice(0, 10)}`,
      `${iv}`,
      `${iv}.${body}.x`,
      '',
      'a.b',
    ]) {
      assert.equal(seal.open('p', bad), undefined, bad);
    }
    assert.equal(new CookieSeal(randomBytes(32)).open('p', value), undefined, 'another key');
    assert.equal(seal.open('p', undefined), undefined);
  });
});
