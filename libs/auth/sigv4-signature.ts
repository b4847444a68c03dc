import { createHmac, hash } from 'node:crypto';

/**
 * The SigV4 signature a request should carry, computed as AWS's own signer (`@smithy/signature-v4`)
 * computes it when it signs, without its per-request objects: the same path normalisation and double
 * escaping, query and header canonicalisation, and the headers it never signs (`authorization`,
 * `date`, `user-agent`, `proxy-*`, `sec-*`, …). The signing key is derived once per secret, day,
 * region and service. `libs/auth/sigv4.properties.test.ts` signs with the AWS signer and checks that
 * this accepts exactly what it signs.
 */

/** Headers the AWS signer drops before it signs (it sets `x-amz-date` itself from the signing date). */
const NEVER_SIGNED = new Set([
  'authorization',
  'date',
  'x-amz-date',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

const hexEncode = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;
/** RFC 3986 escaping, as the AWS signer's `escapeUri`. */
const escapeUri = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, hexEncode);

/** The path as sent, normalised (empty and dot segments) and escaped once more, as for every service but S3. */
function canonicalPathOf(sent: string): string {
  // As the signer's HttpRequest does: a path always starts with a slash.
  const path = sent.startsWith('/') ? sent : `/${sent}`;
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment.length === 0 || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return escapeUri(normalized).replace(/%2F/g, '/');
}

/**
 * Callers send the same few paths (the data plane's are fixed), so each path's canonical form is
 * computed once; bounded, since a path is whatever a caller sends.
 */
const canonicalPaths = new Map<string, string>();
function canonicalPath(sent: string): string {
  let canonical = canonicalPaths.get(sent);
  if (canonical === undefined) {
    canonical = canonicalPathOf(sent);
    if (canonicalPaths.size >= 1000) canonicalPaths.clear();
    canonicalPaths.set(sent, canonical);
  }
  return canonical;
}

/** A header value as the signer trims it: line breaks to spaces, runs of spaces and tabs to one, no edges. */
const UNTRIMMED = /[\r\n\t]| {2}|^ | $/;
const trimmedValue = (value: string) =>
  UNTRIMMED.test(value)
    ? value
        .replace(/[\r\n]/g, ' ')
        .replace(/[ \t]+/g, ' ')
        .replace(/^ | $/g, '')
    : value;

function canonicalQuery(query: Record<string, string | string[]>): string {
  const keys = Object.keys(query);
  // The data plane's calls carry no query.
  if (keys.length === 0) return '';
  const serialized = new Map<string, string>();
  for (const key of keys) {
    if (key.toLowerCase() === 'x-amz-signature') continue;
    const value = query[key]!;
    const encodedKey = escapeUri(key);
    serialized.set(
      encodedKey,
      // The AWS signer keeps these in a plain object, where `__proto__` reads back as the object
      // prototype: it signs "[object Object]" for that key. Signing the same accepts its requests.
      encodedKey === '__proto__'
        ? '[object Object]'
        : typeof value === 'string'
          ? `${encodedKey}=${escapeUri(value)}`
          : value
              .map((item) => `${encodedKey}=${escapeUri(item)}`)
              .sort()
              .join('&'),
    );
  }
  return [...serialized.keys()]
    .sort()
    .map((key) => serialized.get(key))
    .filter(Boolean)
    .join('&');
}

const sha256Hex = (data: string) => hash('sha256', data, 'hex');

/**
 * What one SignedHeaders list asks for, worked out once per list (a client sends the same few): the
 * headers to read, each once, and the canonical headers in order, each with where its value comes
 * from (the header at that index of `read`, or the signing date for `x-amz-date`, which the signer
 * sets itself).
 */
export interface HeaderPlan {
  read: readonly string[];
  canonical: readonly { name: string; from: number }[];
  /** The canonical request's signed-headers line. */
  signedList: string;
}

const SIGNING_DATE = -1;
const plans = new Map<string, HeaderPlan>();

export function headerPlan(signedHeaderList: string): HeaderPlan {
  let plan = plans.get(signedHeaderList);
  if (plan === undefined) {
    const read = [...new Set(signedHeaderList.split(';'))];
    const signed = read.filter(
      (name) => !NEVER_SIGNED.has(name) && !name.startsWith('proxy-') && !name.startsWith('sec-'),
    );
    const names = [...signed, 'x-amz-date'].sort();
    plan = {
      read,
      canonical: names.map((name) => ({
        name,
        from: name === 'x-amz-date' ? SIGNING_DATE : read.indexOf(name),
      })),
      signedList: names.join(';'),
    };
    // Bounded: a list is whatever a caller sends.
    if (plans.size >= 1000) plans.clear();
    plans.set(signedHeaderList, plan);
  }
  return plan;
}

export class SigV4Signatures {
  private readonly keys = new Map<string, Buffer>();

  constructor(
    private readonly region: string,
    private readonly service: string,
  ) {}

  /**
   * @param headers the values of `plan.read`, in its order, as received
   * @param longDate `YYYYMMDDTHHMMSSZ` of the signing date
   * @param payloadHash the hex SHA-256 of the body
   * @returns the signature as raw bytes
   */
  signature(
    secretAccessKey: string,
    request: {
      method: string;
      path: string;
      query: Record<string, string | string[]>;
      plan: HeaderPlan;
      headers: readonly string[];
    },
    longDate: string,
    payloadHash: string,
  ): Buffer {
    let canonicalHeaders = '';
    for (const { name, from } of request.plan.canonical)
      canonicalHeaders += `${name}:${from === SIGNING_DATE ? longDate : trimmedValue(request.headers[from]!)}\n`;
    const canonicalRequest = `${request.method}\n${canonicalPath(request.path)}\n${canonicalQuery(request.query)}\n${canonicalHeaders}\n${request.plan.signedList}\n${payloadHash}`;
    const shortDate = longDate.slice(0, 8);
    const scope = `${shortDate}/${this.region}/${this.service}/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${longDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
    return createHmac('sha256', this.signingKey(secretAccessKey, shortDate)).update(stringToSign).digest();
  }

  /** The day's signing key of a secret, derived once (bounded: temporary credentials come and go). */
  private signingKey(secretAccessKey: string, shortDate: string): Buffer {
    const cacheKey = `${shortDate}:${secretAccessKey}`;
    let key = this.keys.get(cacheKey);
    if (!key) {
      key = [shortDate, this.region, this.service, 'aws4_request'].reduce<Buffer>(
        (previous, part) => createHmac('sha256', previous).update(part).digest(),
        Buffer.from(`AWS4${secretAccessKey}`),
      );
      if (this.keys.size >= 10_000) this.keys.clear();
      this.keys.set(cacheKey, key);
    }
    return key;
  }
}
