import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';

/**
 * JWE compact serialization for the one algorithm pair workload access tokens use: `dir` key
 * management with `A256GCM` content encryption (RFC 7516 §7.1, RFC 7518 §4.5 and §5.3), on
 * node:crypto's AES-GCM. jose does the same through WebCrypto at several times the cost per token;
 * the tests check that each side opens what the other made.
 */

const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface JweHeader {
  alg: 'dir';
  enc: 'A256GCM';
  kid: string;
  typ?: string;
}

/**
 * Random IVs are drawn from a pool filled 4 KiB at a time, each byte used once: a call into the
 * random generator costs far more than its 12 bytes (a native job, and async-hook callbacks while
 * any AsyncLocalStorage is in use, as the Temporal client's is), and every mint needs one.
 */
const ivPool = Buffer.alloc(4096);
let ivOffset = ivPool.length;

function randomIv(): Buffer {
  if (ivOffset + IV_BYTES > ivPool.length) {
    randomFillSync(ivPool);
    ivOffset = 0;
  }
  const iv = Buffer.from(ivPool.subarray(ivOffset, ivOffset + IV_BYTES));
  ivOffset += IV_BYTES;
  return iv;
}

export function encryptDirA256Gcm(header: JweHeader, plaintext: string, key: Buffer): string {
  const protectedHeader = Buffer.from(JSON.stringify(header)).toString('base64url');
  const iv = randomIv();
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  // The additional authenticated data is the encoded protected header, so the header cannot be altered.
  cipher.setAAD(Buffer.from(protectedHeader, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [
    protectedHeader,
    '',
    iv.toString('base64url'),
    ciphertext.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
  ].join('.');
}

/** Reads the protected header without decrypting; undefined when the token is not a `dir`/`A256GCM` JWE. */
export function readDirA256GcmHeader(token: string): JweHeader | undefined {
  const parts = token.split('.');
  if (parts.length !== 5 || parts[1] !== '') return undefined;
  try {
    const header = JSON.parse(
      Buffer.from(parts[0] ?? '', 'base64url').toString('utf8'),
    ) as Partial<JweHeader>;
    return header.alg === 'dir' && header.enc === 'A256GCM' && typeof header.kid === 'string'
      ? (header as JweHeader)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Decrypts; throws when the token was not made with `key` or was altered in any part. */
export function decryptDirA256Gcm(token: string, key: Buffer): string {
  const [protectedHeader = '', , iv = '', ciphertext = '', tag = ''] = token.split('.');
  const ivBytes = Buffer.from(iv, 'base64url');
  const tagBytes = Buffer.from(tag, 'base64url');
  if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw new Error('malformed JWE');
  const decipher = createDecipheriv('aes-256-gcm', key, ivBytes);
  decipher.setAAD(Buffer.from(protectedHeader, 'ascii'));
  decipher.setAuthTag(tagBytes);
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
    'utf8',
  );
}
