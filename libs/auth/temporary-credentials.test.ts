import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { AuthenticationException } from '../wire/errors';
import { SessionCredentials } from './temporary-credentials';

const session = {
  principal: 'ci',
  issuer: 'https://issuer',
  subject: 'repo:x',
  sessionName: 's1',
  durationSeconds: 900,
};
const refusedAs = (type: string) => (err: unknown) =>
  err instanceof AuthenticationException && err.type === type;

describe('SessionCredentials', () => {
  it('opens its own tokens, with the claims it sealed, and derives the same secret', () => {
    const key = randomBytes(32);
    const issued = new SessionCredentials(key).issue(session);
    assert.match(issued.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
    const other = new SessionCredentials(key); // another replica with the shared key
    const claims = other.open(issued.accessKeyId, issued.sessionToken);
    assert.equal(claims.principal, 'ci');
    assert.equal(claims.subject, 'repo:x');
    assert.equal(other.secretOf(issued.accessKeyId), issued.secretAccessKey);
    assert.ok(!issued.sessionToken.includes('repo:x'), 'the token is opaque');
  });

  it('refuses expired tokens, tampered ones, another key id, and tokens of another server key', () => {
    let now = Date.now();
    const key = randomBytes(32);
    const credentials = new SessionCredentials(key, () => now);
    const issued = credentials.issue(session);
    const tampered = Buffer.from(issued.sessionToken, 'base64');
    tampered[40]! ^= 1;
    assert.throws(
      () => credentials.open(issued.accessKeyId, tampered.toString('base64')),
      refusedAs('UnrecognizedClientException'),
    );
    assert.throws(
      () => credentials.open('ASIAAAAAAAAAAAAAAAAA', issued.sessionToken),
      refusedAs('UnrecognizedClientException'),
    );
    assert.throws(
      () => credentials.open(issued.accessKeyId, undefined),
      refusedAs('UnrecognizedClientException'),
    );
    assert.throws(
      () => credentials.open(issued.accessKeyId, 'short'),
      refusedAs('UnrecognizedClientException'),
    );
    assert.throws(
      () => new SessionCredentials(randomBytes(32)).open(issued.accessKeyId, issued.sessionToken),
      refusedAs('UnrecognizedClientException'),
    );
    assert.notEqual(
      new SessionCredentials(randomBytes(32)).secretOf(issued.accessKeyId),
      issued.secretAccessKey,
    );
    now += 899_000;
    credentials.open(issued.accessKeyId, issued.sessionToken);
    now += 1_000;
    assert.throws(
      () => credentials.open(issued.accessKeyId, issued.sessionToken),
      refusedAs('ExpiredTokenException'),
    );
  });
});
