import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { CompactSign, generateKeyPair, importSPKI } from 'jose';
import { jwsSignatureValid } from './jws-signature';

/** Signs with jose (WebCrypto), checks with Node's crypto: both must agree for every algorithm. */
async function signed(alg: string) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const other = await generateKeyPair(alg, { extractable: true });
  const jws = await new CompactSign(new TextEncoder().encode('{"sub":"a"}'))
    .setProtectedHeader({ alg })
    .sign(privateKey);
  const [header, payload, signature] = jws.split('.') as [string, string, string];
  return {
    publicKey,
    otherKey: other.publicKey,
    input: `${header}.${payload}`,
    signature: Buffer.from(signature, 'base64url'),
  };
}

describe('jwsSignatureValid (Node crypto, as jose verifies)', () => {
  for (const alg of ['RS256', 'RS512', 'PS256', 'PS384', 'ES256', 'ES384', 'ES512', 'EdDSA']) {
    it(`${alg}: accepts the signature, refuses another key, a changed input and a changed signature`, async () => {
      const { publicKey, otherKey, input, signature } = await signed(alg);
      assert.equal(jwsSignatureValid(alg, publicKey, input, signature), true);
      assert.equal(jwsSignatureValid(alg, otherKey, input, signature), false);
      assert.equal(jwsSignatureValid(alg, publicKey, `${input}x`, signature), false);
      const changed = Buffer.from(signature);
      changed[changed.length - 1]! ^= 1;
      assert.equal(jwsSignatureValid(alg, publicKey, input, changed), false);
    });
  }

  it('refuses RSA keys under 2048 bits and algorithms it does not know', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const short = await importSPKI(publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'RS256');
    assert.throws(() => jwsSignatureValid('RS256', short, 'a.b', Buffer.alloc(128)), /shorter than 2048/);
    const { publicKey: key } = await signed('RS256');
    assert.throws(() => jwsSignatureValid('HS256', key, 'a.b', Buffer.alloc(32)), /algorithm/);
    assert.throws(() => jwsSignatureValid('none', key, 'a.b', Buffer.alloc(0)), /algorithm/);
  });
});
