import { randomUUID } from 'node:crypto';
import { EncryptJWT, errors, jwtDecrypt, type JWTPayload } from 'jose';
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

export class WatRejectedError extends Error {
  constructor(
    readonly code: WatRejection,
    message: string,
  ) {
    super(message);
    this.name = 'WatRejectedError';
  }
}

const TYPE = 'wat+jwt';

interface WatClaims extends JWTPayload {
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

/**
 * Workload access tokens: JWE (`dir`, `A256GCM`) under a rotating server key named by `kid`, so they
 * are opaque to callers, tamper-evident, and verified in memory. Each binds one workload and, when
 * minted for a user, that user's exact identifier.
 *
 * @example
 * const wats = new WorkloadAccessTokens(ring, { issuer: 'mandate:us-east-1:000000000000', ttlSeconds: 3600 });
 * const token = await wats.mint({ workloadName: 'crm-agent', user: { kind: 'userId', userId: 'cognito+alice' } });
 * const wat = await wats.verify(token, { workloadName: 'crm-agent' });
 */
export class WorkloadAccessTokens {
  constructor(
    private readonly keys: WatKeyRing,
    private readonly options: { issuer: string; ttlSeconds: number; now?: () => number },
  ) {}

  private now() {
    return this.options.now?.() ?? Date.now();
  }

  /** `notAfter` caps the lifetime, e.g. at the expiry of the user JWT the token was minted from. */
  async mint(input: {
    workloadName: string;
    user?: WatUser;
    userToken?: string;
    notAfter?: number;
  }): Promise<string> {
    const key = this.keys.signingKey();
    const now = Math.floor(this.now() / 1000);
    const exp = Math.min(now + this.options.ttlSeconds, input.notAfter ?? Number.POSITIVE_INFINITY);
    const claims: WatClaims = {
      wl: input.workloadName,
      ...(input.user ? { usr: input.user } : {}),
      ...(input.userToken ? { ut: input.userToken } : {}),
    };
    return new EncryptJWT(claims)
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: key.kid, typ: TYPE })
      .setIssuer(this.options.issuer)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .encrypt(key.secret);
  }

  /**
   * Decrypts and checks a token; with `expect`, also that it names that workload and user.
   * Throws {@link WatRejectedError} with a message that names the failed check.
   */
  async verify(
    token: string,
    expect: { workloadName?: string; user?: WatUser } = {},
  ): Promise<WorkloadAccessToken> {
    let payload: WatClaims;
    try {
      ({ payload } = await jwtDecrypt<WatClaims>(
        token,
        (header) => {
          const key = typeof header.kid === 'string' ? this.keys.find(header.kid) : undefined;
          if (!key)
            throw new WatRejectedError(
              'unknown_key',
              'workloadIdentityToken was made with a key that is retired or unknown',
            );
          return key.secret;
        },
        {
          issuer: this.options.issuer,
          typ: TYPE,
          keyManagementAlgorithms: ['dir'],
          contentEncryptionAlgorithms: ['A256GCM'],
          requiredClaims: ['exp', 'wl'],
          currentDate: new Date(this.now()),
        },
      ));
    } catch (err) {
      if (err instanceof WatRejectedError) throw err;
      if (err instanceof errors.JWTExpired)
        throw new WatRejectedError('expired', 'workloadIdentityToken has expired');
      if (err instanceof errors.JWEInvalid || err instanceof errors.JWTInvalid) {
        throw new WatRejectedError('malformed', 'workloadIdentityToken is malformed');
      }
      throw new WatRejectedError('invalid', 'workloadIdentityToken was not issued by this service');
    }
    const wat: WorkloadAccessToken = {
      workloadName: payload.wl,
      user: payload.usr,
      userToken: payload.ut,
      expiresAt: (payload.exp ?? 0) * 1000,
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
}
