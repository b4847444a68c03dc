import { randomUUID } from 'node:crypto';
import { CodedError } from '../errors/coded-error';
import { decryptDirA256Gcm, encryptDirA256Gcm, readDirA256GcmHeader } from './compact-jwe';
import type { WatKeyRing } from './wat-keys';

/** Who a workload access token acts for: nobody, a verified JWT user, or a caller-named user id. */
export type WatUser = { kind: 'jwt'; iss: string; sub: string } | { kind: 'userId'; userId: string };

export interface WorkloadAccessToken {
  workloadName: string;
  user?: WatUser;
  /** The user JWT the token was minted from, kept (encrypted) for on-behalf-of token exchange. */
  userToken?: string;
  expiresAt: number;
}

export type WatRejection =
  'malformed' | 'unknown_key' | 'expired' | 'invalid' | 'wrong_workload' | 'wrong_user';

export class WatRejectedError extends CodedError<WatRejection> {}

export const WAT_TYPE = 'wat+jwt';

/** The encrypted claims: short names, since the token travels on every call an agent makes. */
interface WatClaims {
  iss: string;
  iat: number;
  exp: number;
  jti: string;
  wl: string;
  usr?: WatUser;
  ut?: string;
}

/** Two users are the same only if their identifiers are exactly equal: (iss, sub), or the same user id. */
export function sameUser(a: WatUser | undefined, b: WatUser | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.kind === 'jwt' && b.kind === 'jwt') return a.iss === b.iss && a.sub === b.sub;
  if (a.kind === 'userId' && b.kind === 'userId') return a.userId === b.userId;
  return false;
}

/** Enough for every agent's current token on a busy replica; a miss only costs one decryption. */
const DECRYPTED_CLAIMS_KEPT = 10_000;

/**
 * Workload access tokens: a JWE (`dir`, `A256GCM`, `typ: wat+jwt`) under a rotating server key named
 * by `kid`, so they are opaque to callers, tamper-evident, and verified in memory. Each binds one
 * workload and, when minted for a user, that user's exact identifier.
 *
 * @example
 * const wats = new WorkloadAccessTokens(ring, { issuer: 'mandate:aws:us-east-1:000000000000', ttlSeconds: 3600 });
 * const token = await wats.mint({ workloadName: 'crm-agent', user: { kind: 'userId', userId: 'cognito+alice' } });
 * const wat = await wats.verify(token, { workloadName: 'crm-agent' });
 */
export class WorkloadAccessTokens {
  /**
   * Claims of tokens already decrypted, by token: an agent presents the same token on every tool
   * call, and decryption was a twentieth of the vault hit's CPU. The key and the expiry are still
   * checked on every use, so a retired key or an expired token is refused as before.
   */
  private readonly decrypted = new Map<string, { kid: string; claims: WatClaims }>();

  constructor(
    private readonly keys: WatKeyRing,
    private readonly options: { issuer: string; ttlSeconds: number; now?: () => number },
  ) {}

  private now() {
    return this.options.now?.() ?? Date.now();
  }

  /** `notAfter` (epoch seconds) caps the lifetime, e.g. at the expiry of the user JWT it was minted from. */
  mint(input: {
    workloadName: string;
    user?: WatUser;
    userToken?: string;
    notAfter?: number;
  }): Promise<string> {
    const key = this.keys.signingKey();
    const iat = Math.floor(this.now() / 1000);
    const claims: WatClaims = {
      iss: this.options.issuer,
      iat,
      exp: Math.min(iat + this.options.ttlSeconds, input.notAfter ?? Number.POSITIVE_INFINITY),
      jti: randomUUID(),
      wl: input.workloadName,
      ...(input.user ? { usr: input.user } : {}),
      ...(input.userToken ? { ut: input.userToken } : {}),
    };
    const header = { alg: 'dir', enc: 'A256GCM', kid: key.kid, typ: WAT_TYPE } as const;
    return Promise.resolve(encryptDirA256Gcm(header, JSON.stringify(claims), key.secret));
  }

  /**
   * Decrypts and checks a token; with `expect`, also that it names that workload and user.
   * Throws {@link WatRejectedError} with a message that names the failed check.
   */
  verify(
    token: string,
    expect: { workloadName?: string; user?: WatUser } = {},
  ): Promise<WorkloadAccessToken> {
    // A throw inside the executor becomes the rejection.
    return new Promise((resolve) => resolve(this.check(token, expect)));
  }

  private check(token: string, expect: { workloadName?: string; user?: WatUser }): WorkloadAccessToken {
    // A token decrypted before has the header it had then: only its key's presence is checked again.
    const known = this.decrypted.get(token);
    const kid = known?.kid ?? this.headerOf(token).kid;
    const key = this.keys.find(kid);
    if (!key)
      throw new WatRejectedError(
        'unknown_key',
        'workloadIdentityToken was made with a key that is retired or unknown',
      );
    const claims = known?.claims ?? this.decrypt(token, kid, key.secret);
    if (claims.exp * 1000 <= this.now())
      throw new WatRejectedError('expired', 'workloadIdentityToken has expired');
    const wat: WorkloadAccessToken = {
      workloadName: claims.wl,
      user: claims.usr,
      userToken: claims.ut,
      expiresAt: claims.exp * 1000,
    };
    if (expect.workloadName !== undefined && wat.workloadName !== expect.workloadName) {
      throw new WatRejectedError(
        'wrong_workload',
        `workloadIdentityToken was issued for another workload, not ${expect.workloadName}`,
      );
    }
    if ('user' in expect && !sameUser(wat.user, expect.user)) {
      throw new WatRejectedError('wrong_user', 'workloadIdentityToken was issued for another user');
    }
    return wat;
  }

  private headerOf(token: string): { kid: string } {
    const header = readDirA256GcmHeader(token);
    if (!header || header.typ !== WAT_TYPE)
      throw new WatRejectedError('malformed', 'workloadIdentityToken is malformed');
    return header;
  }

  private decrypt(token: string, kid: string, secret: Buffer): WatClaims {
    let claims: WatClaims;
    try {
      claims = JSON.parse(decryptDirA256Gcm(token, secret)) as WatClaims;
    } catch {
      throw new WatRejectedError('invalid', 'workloadIdentityToken was not issued by this service');
    }
    if (
      claims.iss !== this.options.issuer ||
      typeof claims.wl !== 'string' ||
      typeof claims.exp !== 'number'
    ) {
      throw new WatRejectedError('invalid', 'workloadIdentityToken was not issued by this service');
    }
    // Oldest first out; an expired token is refused before it is looked up again, so it only waits here.
    if (this.decrypted.size >= DECRYPTED_CLAIMS_KEPT) {
      const oldest = this.decrypted.keys().next();
      if (!oldest.done) this.decrypted.delete(oldest.value);
    }
    this.decrypted.set(token, { kid, claims });
    return claims;
  }
}
