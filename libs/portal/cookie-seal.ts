import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Sealed cookie values: AES-256-GCM with a server key, bound by the additional authenticated data
 * to what they are for (a sign-in in progress, a signed-in session, of one portal), so a value is
 * neither readable nor movable to another purpose or portal. Opening anything altered answers undefined.
 *
 * @example
 * const seal = new CookieSeal(key);
 * const value = seal.seal('portal-session:p-1', { sid });
 * seal.open<{ sid: string }>('portal-session:p-1', value); // { sid }
 */
export class CookieSeal {
  constructor(private readonly key: Buffer) {}

  seal(purpose: string, content: unknown): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(purpose));
    const sealed = Buffer.concat([
      cipher.update(JSON.stringify(content), 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return `${iv.toString('base64url')}.${sealed.toString('base64url')}`;
  }

  open<T>(purpose: string, value: string | undefined): T | undefined {
    if (!value) return undefined;
    const [iv, sealed, extra] = value.split('.');
    if (!iv || !sealed || extra !== undefined) return undefined;
    const ivBytes = Buffer.from(iv, 'base64url');
    const bytes = Buffer.from(sealed, 'base64url');
    if (ivBytes.length !== IV_BYTES || bytes.length <= TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, ivBytes);
      decipher.setAAD(Buffer.from(purpose));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return JSON.parse(plain.toString('utf8')) as T;
    } catch {
      return undefined;
    }
  }
}
