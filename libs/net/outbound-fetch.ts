import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { Agent, fetch as undiciFetch } from 'undici';

/** Raised when Mandate refuses to fetch a URL; the message says why without fetching anything. */
export class OutboundUrlRefused extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`Refused to fetch ${url}: ${reason}`);
    this.name = 'OutboundUrlRefused';
  }
}

export interface OutboundPolicy {
  /**
   * Allow loopback and private-network addresses, and plain http to them. For local IdPs in
   * development and tests only; production leaves it off.
   */
  allowPrivateNetworks: boolean;
  /**
   * Origins (`http://127.0.0.1:9400`) reachable even though private or plain http, while every other
   * URL keeps the full guard: one local IdP, such as the demo's, without opening the whole network.
   */
  allowedPrivateOrigins?: readonly string[];
}

function originAllowed(url: URL, policy: OutboundPolicy): boolean {
  return policy.allowedPrivateOrigins?.includes(url.origin) ?? false;
}

/** Whether the policy lets any plain-http URL through (openid-client refuses them unless told). */
export function allowsPlainHttp(policy: OutboundPolicy): boolean {
  return policy.allowPrivateNetworks || (policy.allowedPrivateOrigins?.length ?? 0) > 0;
}

/** Only ordinary public unicast addresses are reachable unless the policy allows private ones. */
function addressAllowed(address: string, policy: OutboundPolicy): boolean {
  if (!ipaddr.isValid(address)) return false;
  const range = ipaddr.process(address).range();
  if (range === 'unicast') return true;
  // Link-local stays refused even then: it is where cloud metadata services answer.
  return policy.allowPrivateNetworks && ['loopback', 'private', 'uniqueLocal'].includes(range);
}

/** Checks what can be checked before connecting: scheme, credentials in the URL, literal addresses. */
export function assertOutboundUrl(raw: string, policy: OutboundPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundUrlRefused(raw, 'not a valid URL');
  }
  if (url.username || url.password)
    throw new OutboundUrlRefused(raw, 'URLs with credentials are not fetched');
  if (originAllowed(url, policy)) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (url.protocol === 'http:') {
    const local =
      host === 'localhost' || (ipaddr.isValid(host) && ipaddr.process(host).range() === 'loopback');
    if (!(policy.allowPrivateNetworks && (local || (ipaddr.isValid(host) && addressAllowed(host, policy))))) {
      throw new OutboundUrlRefused(raw, 'only https URLs are fetched');
    }
  } else if (url.protocol !== 'https:') {
    throw new OutboundUrlRefused(raw, 'only https URLs are fetched');
  }
  if (ipaddr.isValid(host) && !addressAllowed(host, policy)) {
    throw new OutboundUrlRefused(raw, `address ${host} is not a public address`);
  }
  return url;
}

/**
 * The one `fetch` for every URL Mandate requests on someone's say-so (discovery documents, JWKS,
 * token endpoints). It refuses non-https URLs and, at connect time, any resolved address that is not
 * public, so a DNS answer that changes between check and use cannot slip through. Redirects are
 * never followed.
 *
 * @example
 * const fetch = createOutboundFetch({ allowPrivateNetworks: false });
 * await fetch('https://accounts.google.com/.well-known/openid-configuration');
 */
export function createOutboundFetch(policy: OutboundPolicy, timeoutMs = 10_000): typeof fetch {
  // A name among the allowed origins may resolve to a private address; its port was checked before.
  const allowedHosts = new Set(
    (policy.allowedPrivateOrigins ?? []).map((origin) => new URL(origin).hostname),
  );
  const agent = new Agent({
    connect: {
      timeout: timeoutMs,
      lookup: (hostname, options, callback) => {
        dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
          if (err) return callback(err, '', 0);
          const refused = allowedHosts.has(hostname)
            ? undefined
            : addresses.find((a) => !addressAllowed(a.address, policy));
          if (refused) {
            return callback(
              new OutboundUrlRefused(hostname, `resolves to ${refused.address}, not a public address`),
              '',
              0,
            );
          }
          const first = addresses[0];
          if (!first) return callback(new Error(`${hostname} did not resolve`), '', 0);
          // undici asks for a single address unless `all` was requested.
          if ((options as { all?: boolean }).all)
            return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
          callback(null, first.address, first.family);
        });
      },
    },
  });
  const guarded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const raw = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    assertOutboundUrl(raw, policy);
    const response = await undiciFetch(raw, {
      ...(init as Parameters<typeof undiciFetch>[1]),
      redirect: 'manual',
      dispatcher: agent,
      signal: init?.signal ?? AbortSignal.timeout(timeoutMs),
    });
    return response;
  };
  return guarded;
}
