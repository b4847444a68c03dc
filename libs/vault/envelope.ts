import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyEncryptionKey } from './key-encryption-key';

const FORMAT = 'v1';
const IV_BYTES = 12;

/** Raised when a sealed value cannot be opened: wrong key, wrong record, or tampered bytes. */
export class VaultDecryptionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VaultDecryptionError';
  }
}

export interface Sealed {
  /** `v1.<kekId>.<wrapped data key>.<iv>.<ciphertext+tag>`, base64url parts. */
  value: string;
  kekId: string;
}

/**
 * AES-256-GCM envelope encryption. Each value gets a fresh data key, wrapped by the key-encryption
 * key; the record's identity is the additional authenticated data, so a sealed value copied into
 * another record fails to open.
 *
 * @example
 * const envelope = new Envelope(kek, []);
 * const sealed = await envelope.seal('s3cret', 'principal:AKIA...');
 * await envelope.open(sealed.value, 'principal:AKIA...'); // 's3cret'
 */
export class Envelope {
  private readonly keys: Map<string, KeyEncryptionKey>;

  /** `current` seals; it and every key in `previous` open. */
  constructor(
    private readonly current: KeyEncryptionKey,
    previous: readonly KeyEncryptionKey[],
  ) {
    this.keys = new Map([...previous, current].map((k) => [k.id, k]));
  }

  async seal(plaintext: string, recordId: string): Promise<Sealed> {
    const dataKey = randomBytes(32);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
    cipher.setAAD(Buffer.from(recordId));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    const wrapped = await this.current.wrap(dataKey);
    const parts = [wrapped, iv, body].map((b) => b.toString('base64url'));
    return { value: [FORMAT, this.current.id, ...parts].join('.'), kekId: this.current.id };
  }

  async open(sealed: string, recordId: string): Promise<string> {
    const [format, kekId, wrapped, iv, body] = sealed.split('.');
    if (format !== FORMAT || !kekId || !wrapped || !iv || !body) {
      throw new VaultDecryptionError('Sealed value has an unknown format');
    }
    const kek = this.keys.get(kekId);
    if (!kek) throw new VaultDecryptionError(`Sealed with key ${kekId}, which this vault does not hold`);
    try {
      const dataKey = await kek.unwrap(Buffer.from(wrapped, 'base64url'));
      const bytes = Buffer.from(body, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(recordId));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([
        decipher.update(bytes.subarray(0, bytes.length - 16)),
        decipher.final(),
      ]).toString('utf8');
    } catch (err) {
      throw new VaultDecryptionError('Sealed value failed authentication', { cause: err });
    }
  }
}
