import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CodedError } from '../errors/coded-error';
import type { KeyEncryptionKey } from './key-encryption-key';
import { VaultKeyUnavailableError } from './kms-key-encryption-key';

const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export type VaultDecryptionProblem = 'unknown_format' | 'unknown_key' | 'failed_authentication';

/** Raised when a sealed value cannot be opened: wrong key, wrong record, or tampered bytes. */
export class VaultDecryptionError extends CodedError<VaultDecryptionProblem> {}

export interface Sealed {
  /** `v1.<kekId>.<wrapped data key>.<iv>.<ciphertext+tag>`, base64url parts. */
  value: string;
  kekId: string;
}

/** Which key seals now, and how to find the key any sealed value names. */
export interface KeyResolver {
  current(): KeyEncryptionKey;
  byId(kekId: string): KeyEncryptionKey | undefined;
}

/** A fixed set of keys: `current` seals, it and `previous` open. */
export function fixedKeys(
  current: KeyEncryptionKey,
  previous: readonly KeyEncryptionKey[] = [],
): KeyResolver {
  const all = new Map([...previous, current].map((k) => [k.id, k]));
  return { current: () => current, byId: (id) => all.get(id) };
}

interface Parts {
  kekId: string;
  wrapped: string;
  iv: string;
  body: string;
}

function parse(sealed: string): Parts {
  const [format, kekId, wrapped, iv, body, ...rest] = sealed.split('.');
  // Key ids may hold dots (KMS ARNs do not, local ids do not); a fixed part count keeps parsing exact.
  if (format !== FORMAT || !kekId || !wrapped || !iv || !body || rest.length > 0) {
    throw new VaultDecryptionError('unknown_format', 'Sealed value has an unknown format');
  }
  return { kekId, wrapped, iv, body };
}

/**
 * AES-256-GCM envelope encryption. Each value gets a fresh data key, wrapped by the key-encryption
 * key (a local key or a customer's KMS key); the record's identity is the additional authenticated
 * data, so a sealed value copied into another record fails to open. Unwrapped data keys are cached
 * briefly, so a KMS key costs one Decrypt per record per cache period rather than one per read.
 *
 * @example
 * const envelope = new Envelope(fixedKeys(kek));
 * const sealed = await envelope.seal('s3cret', 'principal:AKIA...');
 * await envelope.open(sealed.value, 'principal:AKIA...'); // 's3cret'
 */
export class Envelope {
  private readonly dataKeys = new Map<string, { key: Buffer; until: number }>();

  constructor(
    private readonly keys: KeyResolver,
    private readonly cache: { ttlMs: number; maxEntries: number } = { ttlMs: 300_000, maxEntries: 10_000 },
  ) {}

  /** The key that seals new values now. */
  currentKeyId(): string {
    return this.keys.current().id;
  }

  async seal(plaintext: string, recordId: string): Promise<Sealed> {
    const kek = this.keys.current();
    const dataKey = randomBytes(32);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
    cipher.setAAD(Buffer.from(recordId));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    const wrapped = await kek.wrap(dataKey);
    const parts = [wrapped, iv, body].map((b) => b.toString('base64url'));
    return { value: [FORMAT, kek.id, ...parts].join('.'), kekId: kek.id };
  }

  async open(sealed: string, recordId: string): Promise<string> {
    const parts = parse(sealed);
    const dataKey = await this.unwrap(parts);
    try {
      const bytes = Buffer.from(parts.body, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(parts.iv, 'base64url'));
      decipher.setAAD(Buffer.from(recordId));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch (err) {
      throw new VaultDecryptionError('failed_authentication', 'Sealed value failed authentication', {
        cause: err,
      });
    }
  }

  /**
   * Re-wraps a sealed value's data key under the current key; the ciphertext itself is unchanged,
   * so this needs no record id and cannot alter the value.
   */
  async rewrap(sealed: string): Promise<Sealed> {
    const parts = parse(sealed);
    const kek = this.keys.current();
    if (parts.kekId === kek.id) return { value: sealed, kekId: kek.id };
    const wrapped = await kek.wrap(await this.unwrap(parts));
    return {
      value: [FORMAT, kek.id, wrapped.toString('base64url'), parts.iv, parts.body].join('.'),
      kekId: kek.id,
    };
  }

  private async unwrap(parts: Parts): Promise<Buffer> {
    const now = Date.now();
    const cacheKey = `${parts.kekId}.${parts.wrapped}`;
    const hit = this.dataKeys.get(cacheKey);
    if (hit && hit.until > now) return hit.key;
    const kek = this.keys.byId(parts.kekId);
    if (!kek)
      throw new VaultDecryptionError(
        'unknown_key',
        `Sealed with key ${parts.kekId}, which this vault does not hold`,
      );
    let key: Buffer;
    try {
      key = await kek.unwrap(Buffer.from(parts.wrapped, 'base64url'));
    } catch (err) {
      if (err instanceof VaultKeyUnavailableError) throw err;
      throw new VaultDecryptionError('failed_authentication', 'Sealed value failed authentication', {
        cause: err,
      });
    }
    if (this.dataKeys.size >= this.cache.maxEntries) this.dataKeys.clear();
    this.dataKeys.set(cacheKey, { key, until: now + this.cache.ttlMs });
    return key;
  }
}
