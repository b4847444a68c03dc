import { createHash } from 'node:crypto';
import type { JwtVerifier } from '../../../../libs/auth/jwt.verifier';
import { JwtRejectedError, type JwtRejection } from '../../../../libs/auth/jwt-authorizer';
import type { PrincipalsRepository } from '../../../../libs/auth/principals.repository';
import type { Principal } from '../../../../libs/auth/sigv4.verifier';
import type { SessionCredentials } from '../../../../libs/auth/temporary-credentials';
import {
  DEFAULT_SESSION_SECONDS,
  failedClaim,
  MAX_SESSION_SECONDS,
  MIN_SESSION_SECONDS,
  subjectTrusted,
} from '../../../../libs/auth/web-identity-trust';
import { parsePrincipalArn, type Deployment } from '../../../../libs/wire/arn';
import { StsError, type StsErrorCode } from './sts-error';
import type { XmlTree } from './sts-xml';

/** The parameters of AssumeRoleWithWebIdentity, as the AWS Query protocol sends them. */
export type QueryParams = Record<string, string | undefined>;

/** STS's wording for each way a token is refused; never the token, never its claims. */
const REJECTIONS: Record<JwtRejection, [StsErrorCode, string]> = {
  expired: [
    'ExpiredTokenException',
    'Token expired: current date/time must be before the expiration date/time',
  ],
  issuer_unavailable: ['IDPCommunicationError', "The trusted issuer's keys could not be read"],
  audience: ['InvalidIdentityToken', 'Incorrect token audience'],
  issuer: ['InvalidIdentityToken', 'The token was issued by an issuer this principal does not trust'],
  algorithm: ['InvalidIdentityToken', 'The token is signed with an algorithm its issuer does not use'],
  unknown_key: ['InvalidIdentityToken', "The token's signing key is not among the issuer's keys"],
  signature: ['InvalidIdentityToken', 'The token signature could not be verified'],
  malformed: ['InvalidIdentityToken', 'The token is not a well-formed signed JWT'],
  missing_claim: ['InvalidIdentityToken', 'The token lacks a required claim (exp, sub)'],
  not_yet_valid: ['InvalidIdentityToken', 'The token is not yet valid'],
  client: ['InvalidIdentityToken', 'The token was refused'],
  scope: ['InvalidIdentityToken', 'The token was refused'],
  custom_claim: ['InvalidIdentityToken', 'The token was refused'],
};

const notAuthorized = () =>
  new StsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');

const required = (params: QueryParams, name: string, min: number, max: number, pattern?: RegExp) => {
  const value = params[name];
  const member = name.charAt(0).toLowerCase() + name.slice(1);
  if (value === undefined)
    throw new StsError(
      'ValidationError',
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  if (value.length < min || value.length > max || (pattern && !pattern.test(value)))
    throw new StsError(
      'ValidationError',
      `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length between ${min} and ${max}${pattern ? ` and match ${pattern.source}` : ''}`,
    );
  return value;
};

export interface AssumedSession {
  result: XmlTree;
  /** The principal the caller now acts as, for the audit log. */
  principal: Principal;
}

/**
 * STS `AssumeRoleWithWebIdentity` for Mandate principals: a token signed by the issuer a principal
 * trusts, for an allowed audience and a trusted subject, buys temporary credentials for that
 * principal (no longer than the trust's maximum). The token is verified as inbound user JWTs are:
 * keys from discovery through the outbound guard, algorithms pinned, `exp`, `iss`, `aud` and clock
 * tolerance.
 */
export class WebIdentityService {
  constructor(
    private readonly principals: Pick<PrincipalsRepository, 'forSession'>,
    private readonly verifier: Pick<JwtVerifier, 'verify'>,
    private readonly sessions: SessionCredentials,
    private readonly deployment: Deployment,
  ) {}

  async assume(params: QueryParams): Promise<AssumedSession> {
    const roleArn = required(params, 'RoleArn', 20, 2048);
    const sessionName = required(params, 'RoleSessionName', 2, 64, /^[\w+=,.@-]+$/);
    const token = required(params, 'WebIdentityToken', 4, 20_000);
    const requested = this.duration(params.DurationSeconds);
    for (const unsupported of ['Policy', 'PolicyArns.member.1', 'ProviderId'])
      if (params[unsupported] !== undefined)
        throw new StsError('ValidationError', `${unsupported.split('.')[0]} is not supported by Mandate`);

    const name = parsePrincipalArn(this.deployment, roleArn);
    const principal = name === undefined ? undefined : await this.principals.forSession(name);
    const trust = principal?.webIdentityTrust;
    if (!principal || !trust) throw notAuthorized();

    let verified;
    try {
      verified = await this.verifier.verify(token, {
        discoveryUrl: trust.discoveryUrl,
        allowedAudience: trust.allowedAudiences,
      });
    } catch (err) {
      if (err instanceof JwtRejectedError) throw new StsError(...REJECTIONS[err.code]);
      throw err;
    }
    if (!subjectTrusted(trust, verified.sub) || failedClaim(trust, verified.payload) !== undefined)
      throw notAuthorized();

    const maximum = trust.maxSessionDurationSeconds ?? MAX_SESSION_SECONDS;
    if (requested !== undefined && requested > maximum)
      throw new StsError(
        'ValidationError',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      );
    const durationSeconds = requested ?? Math.min(DEFAULT_SESSION_SECONDS, maximum);
    const credentials = this.sessions.issue({
      principal: principal.name,
      issuer: verified.iss,
      subject: verified.sub,
      sessionName,
      durationSeconds,
    });
    const { partition, accountId } = this.deployment;
    const aud = verified.payload.aud;
    const audience = (Array.isArray(aud) ? aud : [aud]).find((a) => a && trust.allowedAudiences.includes(a));
    const roleId = `AROA${createHash('sha256').update(roleArn).digest('hex').slice(0, 17).toUpperCase()}`;
    return {
      result: {
        Credentials: {
          AccessKeyId: credentials.accessKeyId,
          SecretAccessKey: credentials.secretAccessKey,
          SessionToken: credentials.sessionToken,
          Expiration: credentials.expiration.toISOString(),
        },
        SubjectFromWebIdentityToken: verified.sub,
        AssumedRoleUser: {
          Arn: `arn:${partition}:sts::${accountId}:assumed-role/${principal.name}/${sessionName}`,
          AssumedRoleId: `${roleId}:${sessionName}`,
        },
        Provider: verified.iss,
        ...(audience ? { Audience: audience } : {}),
      },
      principal: {
        accessKeyId: credentials.accessKeyId,
        name: principal.name,
        policy: principal.policy,
        tags: principal.tags,
        session: { issuer: verified.iss, subject: verified.sub, sessionName },
      },
    };
  }

  private duration(value: string | undefined): number | undefined {
    if (value === undefined) return undefined;
    const seconds = Number(value);
    if (!/^\d+$/.test(value) || seconds < MIN_SESSION_SECONDS || seconds > MAX_SESSION_SECONDS)
      throw new StsError(
        'ValidationError',
        `1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value between ${MIN_SESSION_SECONDS} and ${MAX_SESSION_SECONDS}`,
      );
    return seconds;
  }
}
