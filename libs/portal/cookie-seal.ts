import { decryptDirA256Gcm, encryptDirA256Gcm, readDirA256GcmHeader } from '../auth/compact-jwe';

/**
 * Sealed cookie values: the compact JWE (`dir` + `A256GCM`) workload access tokens use, with a
 * server key, and the purpose (a sign-in in progress, a signed-in session, of one portal) as the
 * protected header's `typ`, so a value is neither readable nor movable to another purpose or portal.
 * Opening anything altered answers undefined.
 *
 * @example
 * const seal = new CookieSeal(key);
 * const value = seal.seal('portal-session:p-1', { sid });
 * seal.open<{ sid: string }>('portal-session:p-1', value); // { sid }
 */
export class CookieSeal {
  constructor(private readonly key: Buffer) {}

  seal(purpose: string, content: unknown): string {
    return encryptDirA256Gcm(
      { alg: 'dir', enc: 'A256GCM', kid: 'portal-cookie', typ: purpose },
      JSON.stringify(content),
      this.key,
    );
  }

  open<T>(purpose: string, value: string | undefined): T | undefined {
    if (!value || readDirA256GcmHeader(value)?.typ !== purpose) return undefined;
    try {
      return JSON.parse(decryptDirA256Gcm(value, this.key)) as T;
    } catch {
      return undefined;
    }
  }
}
