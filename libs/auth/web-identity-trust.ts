import type { JWTPayload } from 'jose';
import { wildcard } from './iam-policy';

/**
 * Who may assume a principal with a web identity token (STS `AssumeRoleWithWebIdentity`): tokens of
 * one OIDC issuer, for one of the audiences, whose subject matches one of the patterns, and whose
 * other claims meet the conditions. A Kubernetes service account, a CI job's OIDC token, a SPIFFE
 * JWT-SVID: anything an issuer with a discovery document and JWKS signs.
 */
export interface WebIdentityTrust {
  discoveryUrl: string;
  allowedAudiences: string[];
  /** Exact subjects or patterns with `*` (any run) and `?` (one character), as IAM's StringLike. */
  subjects: string[];
  /** Claim name → patterns; a string claim must match one, a list claim must hold a match. */
  claimConditions?: Record<string, string[]>;
  /** The longest session a token buys, in seconds (900 to 43,200; 3,600 when not set). */
  maxSessionDurationSeconds?: number;
}

export const DEFAULT_SESSION_SECONDS = 3600;
export const MIN_SESSION_SECONDS = 900;
export const MAX_SESSION_SECONDS = 43_200;

const like = (pattern: string, value: string): boolean => wildcard(pattern).test(value);

/** Whether a verified token's subject is one the trust names. */
export function subjectTrusted(trust: WebIdentityTrust, subject: string): boolean {
  return trust.subjects.some((pattern) => like(pattern, subject));
}

/** The first claim condition a verified token fails, or undefined when it meets them all. */
export function failedClaim(trust: WebIdentityTrust, payload: JWTPayload): string | undefined {
  for (const [claim, patterns] of Object.entries(trust.claimConditions ?? {})) {
    const value = payload[claim];
    const values = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
    const strings = values.filter((item): item is string => typeof item === 'string');
    if (!strings.some((item) => patterns.some((pattern) => like(pattern, item)))) return claim;
  }
  return undefined;
}
