import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Wraps and unwraps data keys. The local key below is the default; a KMS key can take its place. */
export interface KeyEncryptionKey {
  /** Stored next to every record, so records sealed under older keys stay readable. */
  readonly id: string;
  wrap(dataKey: Buffer): Promise<Buffer>;
  unwrap(wrapped: Buffer): Promise<Buffer>;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * A 256-bit key kept in a file of the data folder, created on first use with mode 0600.
 *
 * @example
 * const kek = LocalKeyEncryptionKey.fromFile('.mandate/vault.key');
 */
export class LocalKeyEncryptionKey implements KeyEncryptionKey {
  readonly id: string;

  private constructor(private readonly key: Buffer) {
    this.id = `local:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
  }

  static fromFile(path: string): LocalKeyEncryptionKey {
    if (!existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      // `wx` fails if another process created the file in the meantime; then we read theirs.
      try {
        writeFileSync(path, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    chmodSync(path, 0o600);
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`The vault key file ${path} does not hold a 256-bit key`);
    return new LocalKeyEncryptionKey(key);
  }

  wrap(dataKey: Buffer): Promise<Buffer> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(this.id));
    const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return Promise.resolve(Buffer.concat([iv, body, cipher.getAuthTag()]));
  }

  unwrap(wrapped: Buffer): Promise<Buffer> {
    const iv = wrapped.subarray(0, IV_BYTES);
    const tag = wrapped.subarray(wrapped.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(Buffer.from(this.id));
    decipher.setAuthTag(tag);
    return Promise.resolve(
      Buffer.concat([
        decipher.update(wrapped.subarray(IV_BYTES, wrapped.length - TAG_BYTES)),
        decipher.final(),
      ]),
    );
  }
}
