import { hash, timingSafeEqual } from 'node:crypto';
import { AuthenticationException } from '../wire/errors';
import type { CompiledPolicy } from './iam-policy';
import { headerPlan, SigV4Signatures } from './sigv4-signature';

/** The caller a verified request belongs to. */
export interface Principal {
  accessKeyId: string;
  name: string;
  /** The principal's IAM policy, compiled. */
  policy: CompiledPolicy;
  /** For `aws:PrincipalTag/<key>` conditions. */
  tags: Record<string, string>;
  /** Set when the caller signs with temporary credentials from a web identity (for the audit log). */
  session?: { issuer: string; subject: string; sessionName: string };
}

export interface PrincipalWithSecret extends Principal {
  secretAccessKey: string;
}

/**
 * Finds a principal by access key id (and the session token that temporary credentials carry);
 * undefined when there is none.
 */
export type PrincipalLookup = (
  accessKeyId: string,
  sessionToken: string | undefined,
) => Promise<PrincipalWithSecret | undefined>;

export interface SignedRequest {
  method: string;
  /** The path as sent, percent-encoded. */
  path: string;
  /** The raw query string without `?`, or empty. */
  query: string;
  /** Header names in lower case. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer | undefined;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/**
 * Verifies AWS Signature Version 4 on an incoming request. The expected signature is computed as
 * AWS's own signer computes it (libs/auth/sigv4-signature) over exactly the headers the client
 * signed, then compared in constant time.
 *
 * @example
 * const verifier = new SigV4Verifier({ region: 'us-east-1', service: 'bedrock-agentcore', maxSkewSeconds: 300 }, lookup);
 * const principal = await verifier.verify(request); // throws AuthenticationException
 */
export class SigV4Verifier {
  /** Computes expected signatures, keeping each secret's signing key for the day. */
  private readonly signatures: SigV4Signatures;

  constructor(
    private readonly options: { region: string; service: string; maxSkewSeconds: number; now?: () => number },
    private readonly lookup: PrincipalLookup,
  ) {
    this.signatures = new SigV4Signatures(options.region, options.service);
  }

  async verify(request: SignedRequest): Promise<Principal> {
    const authorization = single(request.headers.authorization);
    if (!authorization) {
      throw new AuthenticationException(
        'MissingAuthenticationTokenException',
        'Missing Authentication Token',
      );
    }
    if (!authorization.startsWith(`${ALGORITHM} `)) {
      throw new AuthenticationException(
        'IncompleteSignatureException',
        `Authorization header must use the ${ALGORITHM} algorithm`,
      );
    }
    const match = AUTHORIZATION.exec(authorization);
    if (!match) {
      throw new AuthenticationException(
        'IncompleteSignatureException',
        'Authorization header requires Credential, SignedHeaders and Signature',
      );
    }
    const [, credential = '', signedHeaderList = '', signature = ''] = match;
    const [accessKeyId, shortDate, region, service, terminator, ...extra] = credential.split('/');
    if (
      !accessKeyId ||
      !shortDate ||
      !region ||
      !service ||
      terminator !== 'aws4_request' ||
      extra.length > 0
    ) {
      throw new AuthenticationException('IncompleteSignatureException', 'Credential scope is malformed');
    }
    if (service !== this.options.service) {
      throw new AuthenticationException(
        'InvalidSignatureException',
        `Credential should be scoped to correct service: '${this.options.service}'`,
      );
    }
    if (region !== this.options.region) {
      throw new AuthenticationException(
        'InvalidSignatureException',
        `Credential should be scoped to a valid region: '${this.options.region}'`,
      );
    }

    const amzDate = single(request.headers['x-amz-date']);
    const signedAt = amzDate ? parseAmzDate(amzDate) : undefined;
    if (!amzDate || !signedAt) {
      throw new AuthenticationException(
        'IncompleteSignatureException',
        'The x-amz-date header is missing or malformed',
      );
    }
    if (amzDate.slice(0, 8) !== shortDate) {
      throw new AuthenticationException(
        'InvalidSignatureException',
        'Credential date does not match x-amz-date',
      );
    }
    const now = this.options.now?.() ?? Date.now();
    if (Math.abs(now - signedAt.getTime()) > this.options.maxSkewSeconds * 1000) {
      throw new AuthenticationException(
        'InvalidSignatureException',
        `Signature expired: ${amzDate} is not within ${this.options.maxSkewSeconds} seconds of the server time`,
      );
    }

    const plan = headerPlan(signedHeaderList);
    if (!plan.read.includes('host')) {
      throw new AuthenticationException('InvalidSignatureException', 'The host header must be signed');
    }
    const headers: string[] = [];
    let declaredHash: string | undefined;
    for (const name of plan.read) {
      const value = request.headers[name];
      if (value === undefined) {
        throw new AuthenticationException('InvalidSignatureException', `Signed header ${name} is missing`);
      }
      const joined = Array.isArray(value) ? value.join(',') : value;
      headers.push(joined);
      if (name === 'x-amz-content-sha256') declaredHash = joined;
    }
    // A client-declared payload hash is only trusted when it is the hash of the body we received.
    const payloadHash = sha256Hex(request.body);
    if (declaredHash !== undefined && declaredHash !== payloadHash) {
      throw new AuthenticationException(
        'InvalidSignatureException',
        'x-amz-content-sha256 does not match the body',
      );
    }

    const principal = await this.lookup(accessKeyId, single(request.headers['x-amz-security-token']));
    if (!principal) {
      throw new AuthenticationException(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    }

    const expected = this.signatures.signature(
      principal.secretAccessKey,
      // The path as sent: it is escaped once more, as AWS does for every service but S3.
      { method: request.method, path: request.path, query: parseQuery(request.query), plan, headers },
      amzDate,
      payloadHash,
    );
    // The header matched `[0-9a-f]{64}`: its bytes are exactly the signature's.
    if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
      throw new AuthenticationException(
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided.',
      );
    }
    return {
      accessKeyId: principal.accessKeyId,
      name: principal.name,
      policy: principal.policy,
      tags: principal.tags,
      ...(principal.session ? { session: principal.session } : {}),
    };
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const EMPTY = Buffer.alloc(0);
const sha256Hex = (body: Buffer | undefined): string => hash('sha256', body ?? EMPTY, 'hex');

/** The last date read: callers sign many requests within the same second. */
let lastAmzDate: { value: string; date: Date | undefined } = { value: '', date: undefined };

/** The signing date, when `value` is `YYYYMMDDTHHMMSSZ` naming a real instant (no month 13, no minute 60). */
function parseAmzDate(value: string): Date | undefined {
  if (value !== lastAmzDate.value) lastAmzDate = { value, date: readAmzDate(value) };
  return lastAmzDate.date;
}

function readAmzDate(value: string): Date | undefined {
  const m = AMZ_DATE.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC carries an out-of-range part into the next one; the client signed the text as sent,
  // so only a date that reads back the same is the one it signed.
  return date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second
    ? date
    : undefined;
}

function parseQuery(query: string): Record<string, string | string[]> {
  // No prototype: keys such as `constructor` or `__proto__` are parameters like any other, signed and
  // checked, never inherited members.
  const out = Object.create(null) as Record<string, string | string[]>;
  if (query.length === 0) return out;
  for (const [key, value] of new URLSearchParams(query)) {
    const existing = Object.hasOwn(out, key) ? out[key] : undefined;
    if (existing === undefined) out[key] = value;
    else out[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}
