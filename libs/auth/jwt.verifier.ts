import {
  createRemoteJWKSet,
  customFetch,
  errors,
  UnsecuredJWT,
  type JWSHeaderParameters,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import type { webcrypto } from 'node:crypto';
import { jwsSignatureValid } from './jws-signature';
import { claimMatches, JwtRejectedError, type CustomJwtAuthorizer } from './jwt-authorizer';

/** Asymmetric algorithms only: a symmetric (HS*) token can never verify against an issuer's keys. */
const ASYMMETRIC = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

export interface VerifiedUser {
  iss: string;
  sub: string;
  payload: JWTPayload;
}

interface Issuer {
  issuer: string;
  jwks: JWTVerifyGetKey;
  algorithms: string[];
  loadedAt: number;
}

export interface JwtVerifierOptions {
  /** The outbound fetch (with the SSRF guard) for discovery documents and JWKS. */
  fetch: typeof fetch;
  clockToleranceSeconds: number;
  /** How long a discovery document is reused. */
  discoveryTtlMs?: number;
  /** Minimum time between two JWKS fetches triggered by unknown `kid`s. */
  jwksCooldownMs?: number;
  now?: () => number;
}

/**
 * Verifies user JWTs against a workload's JWT authorizer: keys from the issuer's discovery document
 * and JWKS (cached, refetched at most once per cooldown for an unknown `kid`), algorithms pinned to
 * asymmetric ones the issuer advertises, `exp` required, `nbf`/`iat` respected with an explicit clock
 * tolerance, exact `iss`, then audience, client, scopes and custom claims.
 *
 * @example
 * const verifier = new JwtVerifier({ fetch: outboundFetch, clockToleranceSeconds: 30 });
 * const { iss, sub } = await verifier.verify(userToken, authorizer);
 */
export class JwtVerifier {
  private readonly issuers = new Map<string, Promise<Issuer>>();

  constructor(private readonly options: JwtVerifierOptions) {}

  async verify(token: string, authorizer: CustomJwtAuthorizer): Promise<VerifiedUser> {
    const issuer = await this.issuer(authorizer.discoveryUrl);
    let payload: JWTPayload;
    try {
      const claims = await verifiedPayload(token, issuer);
      ({ payload } = UnsecuredJWT.decode(`${NONE_HEADER}.${claims}.`, {
        issuer: issuer.issuer,
        clockTolerance: this.options.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
        ...(this.options.now ? { currentDate: new Date(this.options.now()) } : {}),
      }));
    } catch (err) {
      throw classify(err);
    }
    const sub = checkRegisteredClaims(
      payload,
      this.options.now?.() ?? Date.now(),
      this.options.clockToleranceSeconds,
    );
    checkClaims(payload, authorizer);
    return { iss: issuer.issuer, sub, payload };
  }

  /** Loads (or reuses) an issuer's discovery document; throws when it is unreadable. */
  async issuerOf(discoveryUrl: string): Promise<{ issuer: string }> {
    const { issuer } = await this.issuer(discoveryUrl);
    return { issuer };
  }

  /** Drops the cached discovery document and keys of one issuer (after its configuration changes). */
  forget(discoveryUrl: string): void {
    this.issuers.delete(discoveryUrl);
  }

  private issuer(discoveryUrl: string): Promise<Issuer> {
    const cached = this.issuers.get(discoveryUrl);
    const ttl = this.options.discoveryTtlMs ?? 3_600_000;
    const now = this.options.now?.() ?? Date.now();
    if (cached) {
      return cached.then((issuer) => (now - issuer.loadedAt < ttl ? issuer : this.load(discoveryUrl, now)));
    }
    return this.load(discoveryUrl, now);
  }

  private load(discoveryUrl: string, now: number): Promise<Issuer> {
    const loading = this.discover(discoveryUrl, now);
    this.issuers.set(discoveryUrl, loading);
    // A failed discovery is not cached: the next request tries again.
    loading.catch(() => this.issuers.delete(discoveryUrl));
    return loading;
  }

  private async discover(discoveryUrl: string, now: number): Promise<Issuer> {
    let document: Record<string, unknown>;
    try {
      const response = await this.options.fetch(discoveryUrl, { headers: { accept: 'application/json' } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      document = (await response.json()) as Record<string, unknown>;
    } catch (err) {
      throw new JwtRejectedError(
        'issuer_unavailable',
        "The trusted issuer's discovery document could not be read",
        {
          cause: err,
        },
      );
    }
    const { issuer, jwks_uri: jwksUri, id_token_signing_alg_values_supported: advertised } = document;
    if (typeof issuer !== 'string' || typeof jwksUri !== 'string') {
      throw new JwtRejectedError('issuer_unavailable', 'The discovery document lacks issuer or jwks_uri');
    }
    const algorithms = Array.isArray(advertised)
      ? ASYMMETRIC.filter((a) => advertised.includes(a))
      : ASYMMETRIC;
    const jwks = createRemoteJWKSet(new URL(jwksUri), {
      cooldownDuration: this.options.jwksCooldownMs ?? 30_000,
      cacheMaxAge: 600_000,
      [customFetch]: this.options.fetch,
    });
    return { issuer, jwks, algorithms: algorithms.length > 0 ? algorithms : ASYMMETRIC, loadedAt: now };
  }
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
/** The header of an unsecured JWT: jose checks the claims of the verified payload in that form. */
const NONE_HEADER = Buffer.from('{"alg":"none"}').toString('base64url');

/**
 * Checks a compact JWS as jose's compactVerify does (structure, no `crit` or `b64` extensions, an
 * algorithm the issuer uses, the key selected from its JWKS by jose, refetched for an unknown `kid`),
 * with the signature checked by Node's crypto (libs/auth/jws-signature). Answers the payload segment,
 * whose claims the caller then checks.
 * @throws jose's errors, which `classify` maps
 */
async function verifiedPayload(token: string, issuer: Issuer): Promise<string> {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part)))
    throw new errors.JWSInvalid('Invalid Compact JWS');
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8'));
  } catch {
    throw new errors.JWSInvalid('JWS Protected Header is invalid');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new errors.JWSInvalid('JWS Protected Header is invalid');
  const protectedHeader = header as JWSHeaderParameters;
  if ('crit' in protectedHeader || 'b64' in protectedHeader)
    throw new errors.JWSInvalid('JWS extensions (crit, b64) are not accepted');
  const { alg } = protectedHeader;
  if (typeof alg !== 'string' || !issuer.algorithms.includes(alg))
    throw new errors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
  // A remote JWKS hands out CryptoKeys (asymmetric algorithms only: no secret keys).
  const key = (await issuer.jwks(
    { ...protectedHeader, alg },
    { payload: payloadPart, signature: signaturePart },
  )) as webcrypto.CryptoKey;
  if (!jwsSignatureValid(alg, key, `${headerPart}.${payloadPart}`, Buffer.from(signaturePart, 'base64url')))
    throw new errors.JWSSignatureVerificationFailed();
  return payloadPart;
}

function classify(err: unknown): JwtRejectedError {
  if (err instanceof JwtRejectedError) return err;
  if (err instanceof errors.JWTExpired)
    return new JwtRejectedError('expired', 'userToken has expired', { cause: err });
  if (err instanceof errors.JWTClaimValidationFailed) {
    const { claim, reason } = err;
    if (reason === 'missing')
      return new JwtRejectedError('missing_claim', `userToken lacks the ${claim} claim`);
    if (claim === 'iss')
      return new JwtRejectedError('issuer', 'userToken was issued by an issuer this workload does not trust');
    if ((claim === 'nbf' || claim === 'iat') && reason === 'check_failed')
      return new JwtRejectedError('not_yet_valid', 'userToken is not yet valid');
    return new JwtRejectedError('malformed', `userToken has an invalid ${claim} claim`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) {
    return new JwtRejectedError(
      'algorithm',
      'userToken is signed with an algorithm this issuer does not use',
    );
  }
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return new JwtRejectedError('unknown_key', "userToken's signing key is not among the issuer's keys");
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return new JwtRejectedError('signature', 'userToken signature verification failed');
  }
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) {
    return new JwtRejectedError('issuer_unavailable', "The trusted issuer's keys could not be read", {
      cause: err,
    });
  }
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) {
    return new JwtRejectedError('malformed', 'userToken is not a well-formed signed JWT');
  }
  return new JwtRejectedError('issuer_unavailable', "The trusted issuer's keys could not be read", {
    cause: err,
  });
}

/**
 * What jose leaves to the caller: `sub` must be a non-empty string (it becomes the user's identity),
 * and a token must not claim to be issued in the future (jose checks `iat` only with a maximum age).
 * @returns the subject
 */
function checkRegisteredClaims(payload: JWTPayload, now: number, toleranceSeconds: number): string {
  const { sub, iat } = payload;
  if (typeof sub !== 'string' || sub.length === 0)
    throw new JwtRejectedError('malformed', 'userToken has an invalid sub claim');
  if (iat !== undefined && iat * 1000 > now + toleranceSeconds * 1000)
    throw new JwtRejectedError('not_yet_valid', 'userToken is not yet valid');
  return sub;
}

const scopesOf = (payload: JWTPayload): string[] => {
  if (typeof payload.scope === 'string') return payload.scope.split(' ').filter(Boolean);
  const scp = payload.scp;
  return Array.isArray(scp) ? scp.filter((s): s is string => typeof s === 'string') : [];
};

/** The authorizer's allow-lists: each configured list needs at least one match; every custom claim must match. */
function checkClaims(payload: JWTPayload, authorizer: CustomJwtAuthorizer): void {
  const { allowedAudience, allowedClients, allowedScopes, customClaims } = authorizer;
  if (allowedAudience?.length) {
    // `aud` is whatever the token says: only strings can match, anything else matches nothing.
    const claimed: unknown = payload.aud;
    const aud = typeof claimed === 'string' ? [claimed] : Array.isArray(claimed) ? claimed : [];
    if (!aud.some((a) => typeof a === 'string' && allowedAudience.includes(a))) {
      throw new JwtRejectedError('audience', 'userToken audience is not allowed for this workload');
    }
  }
  if (allowedClients?.length) {
    const client = payload.client_id ?? payload.azp;
    if (typeof client !== 'string' || !allowedClients.includes(client)) {
      throw new JwtRejectedError('client', 'userToken was issued to a client this workload does not allow');
    }
  }
  if (allowedScopes?.length && !scopesOf(payload).some((s) => allowedScopes.includes(s))) {
    throw new JwtRejectedError('scope', 'userToken carries none of the allowed scopes');
  }
  for (const rule of customClaims ?? []) {
    if (!claimMatches(payload, rule)) {
      throw new JwtRejectedError(
        'custom_claim',
        `userToken claim ${rule.inboundTokenClaimName} does not satisfy its rule`,
      );
    }
  }
}
