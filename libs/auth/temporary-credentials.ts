import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { AuthenticationException } from '../wire/errors';

/** What a session token carries: whose session it is and until when. Never a secret. */
export interface SessionClaims {
  accessKeyId: string;
  principal: string;
  /** The web identity the session was assumed with. */
  issuer: string;
  subject: string;
  sessionName: string;
  /** Milliseconds, so a principal made again after the session began is told apart. */
  issuedAtMs: number;
  /** Seconds since the epoch. */
  expiresAt: number;
}

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** Temporary access key ids start with `ASIA`, as AWS's do, so a caller and the verifier can tell. */
export const TEMPORARY_KEY_PREFIX = 'ASIA';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

const invalid = () =>
  new AuthenticationException(
    'UnrecognizedClientException',
    'The security token included in the request is invalid.',
  );

/**
 * Issues and opens the temporary credentials of assumed principals without any storage: the secret
 * access key is derived from the key id with a server key, and the session token is the session's
 * claims sealed with AES-256-GCM under that key, so it is tamper-evident, opaque, and checked with no
 * database read. The key is shared by every API replica (a server secret in the vault database).
 *
 * @example
 * const credentials = sessions.issue({ principal: 'ci-deployer', issuer, subject, sessionName, durationSeconds: 900 });
 * const claims = sessions.open(credentials.accessKeyId, credentials.sessionToken); // throws AuthenticationException
 */
export class SessionCredentials {
  private readonly sealKey: Buffer;
  private readonly secretKey: Buffer;

  constructor(
    serverKey: Buffer,
    private readonly now: () => number = Date.now,
  ) {
    // Two keys from one: the token's seal and the secrets' derivation never share a key.
    this.sealKey = createHmac('sha256', serverKey).update('session-token-seal').digest();
    this.secretKey = createHmac('sha256', serverKey).update('session-secret-derivation').digest();
  }

  issue(session: {
    principal: string;
    issuer: string;
    subject: string;
    sessionName: string;
    durationSeconds: number;
  }): TemporaryCredentials {
    const bytes = randomBytes(16);
    const accessKeyId = TEMPORARY_KEY_PREFIX + [...bytes].map((b) => BASE32[b % 32]).join('');
    const issuedAtMs = this.now();
    const claims: SessionClaims = {
      accessKeyId,
      principal: session.principal,
      issuer: session.issuer,
      subject: session.subject,
      sessionName: session.sessionName,
      issuedAtMs,
      expiresAt: Math.floor(issuedAtMs / 1000) + session.durationSeconds,
    };
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    cipher.setAAD(Buffer.from(accessKeyId));
    const sealed = Buffer.concat([cipher.update(JSON.stringify(claims), 'utf8'), cipher.final()]);
    return {
      accessKeyId,
      secretAccessKey: this.secretOf(accessKeyId),
      sessionToken: Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64'),
      expiration: new Date(claims.expiresAt * 1000),
    };
  }

  /** The secret access key of a temporary key id: derived, never stored. */
  secretOf(accessKeyId: string): string {
    return createHmac('sha256', this.secretKey).update(accessKeyId).digest('base64').slice(0, 40);
  }

  /**
   * The claims of a session token presented with `accessKeyId`.
   * @throws AuthenticationException: UnrecognizedClientException when it is not one of ours, or
   *   belongs to another key; ExpiredTokenException past its expiry
   */
  open(accessKeyId: string, sessionToken: string | undefined): SessionClaims {
    if (!sessionToken || sessionToken.length > 4096) throw invalid();
    const raw = Buffer.from(sessionToken, 'base64');
    if (raw.length < 29) throw invalid();
    let claims: SessionClaims;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.sealKey, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      // The key id is the additional data: a token presented with another key id does not open.
      decipher.setAAD(Buffer.from(accessKeyId));
      claims = JSON.parse(
        Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'),
      ) as SessionClaims;
    } catch {
      throw invalid();
    }
    if (claims.expiresAt * 1000 <= this.now())
      throw new AuthenticationException(
        'ExpiredTokenException',
        'The security token included in the request is expired',
      );
    return claims;
  }
}
