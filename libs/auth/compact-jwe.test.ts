import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { CompactEncrypt, compactDecrypt } from 'jose';
import { decryptDirA256Gcm, encryptDirA256Gcm, readDirA256GcmHeader } from './compact-jwe';

const key = randomBytes(32);
const header = { alg: 'dir', enc: 'A256GCM', kid: 'k1', typ: 'wat+jwt' } as const;

describe('compact JWE (dir, A256GCM)', () => {
  it('makes tokens jose decrypts', async () => {
    const token = encryptDirA256Gcm(header, '{"wl":"agent"}', key);
    const { plaintext, protectedHeader } = await compactDecrypt(token, key);
    assert.equal(new TextDecoder().decode(plaintext), '{"wl":"agent"}');
    assert.deepEqual(protectedHeader, header);
  });

  it('opens tokens jose made', async () => {
    const token = await new CompactEncrypt(new TextEncoder().encode('héllo'))
      .setProtectedHeader(header)
      .encrypt(key);
    assert.deepEqual(readDirA256GcmHeader(token), header);
    assert.equal(decryptDirA256Gcm(token, key), 'héllo');
  });

  it('refuses another key, an altered header and altered ciphertext', () => {
    const token = encryptDirA256Gcm(header, 'secret', key);
    assert.throws(() => decryptDirA256Gcm(token, randomBytes(32)));
    const parts = token.split('.');
    const otherHeader = Buffer.from(JSON.stringify({ ...header, kid: 'k2' })).toString('base64url');
    assert.throws(() => decryptDirA256Gcm([otherHeader, ...parts.slice(1)].join('.'), key));
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    assert.throws(() =>
      decryptDirA256Gcm([...parts.slice(0, 3), body.toString('base64url'), parts[4]].join('.'), key),
    );
  });

  it('reads only dir/A256GCM headers with a key id', () => {
    const encode = (h: object) => `${Buffer.from(JSON.stringify(h)).toString('base64url')}..aaaa.bbbb.cccc`;
    assert.equal(readDirA256GcmHeader(encode({ alg: 'RSA-OAEP', enc: 'A256GCM', kid: 'k' })), undefined);
    assert.equal(readDirA256GcmHeader(encode({ alg: 'dir', enc: 'A128GCM', kid: 'k' })), undefined);
    assert.equal(readDirA256GcmHeader(encode({ alg: 'dir', enc: 'A256GCM' })), undefined);
    assert.equal(readDirA256GcmHeader('a.b.c'), undefined);
  });

  it('gives every token its own 12-byte IV, across refills of the IV pool', () => {
    const ivs = Array.from({ length: 2000 }, () => encryptDirA256Gcm(header, 'x', key).split('.')[2]!);
    for (const iv of ivs) assert.equal(Buffer.from(iv, 'base64url').length, 12);
    assert.equal(new Set(ivs).size, ivs.length);
  });
});
