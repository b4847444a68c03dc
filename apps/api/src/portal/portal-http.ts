import type { FastifyReply, FastifyRequest } from 'fastify';

/** Cookies a browser sent, by name (the first of each). */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

/** Whether cookies must be `Secure`: everywhere but a plain-http loopback address (a laptop). */
export function secureCookies(publicUrl: string): boolean {
  const url = new URL(publicUrl);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  return url.protocol === 'https:' || !loopback;
}

/**
 * The portal's cookies. The session cookie is sent on every path (Mandate's OAuth callback reads
 * it to bind a consent to the person), so it is `__Host-` where it can be; the sign-in cookie lives
 * only under the portal's path, for the minutes a sign-in takes.
 */
export const portalCookies = (portalId: string, secure: boolean) => ({
  session: `${secure ? '__Host-' : ''}mandate-portal-${portalId}`,
  signIn: `${secure ? '__Secure-' : ''}mandate-portal-sign-in-${portalId}`,
});

export function cookie(
  name: string,
  value: string,
  options: { secure: boolean; path: string; maxAgeSeconds?: number },
): string {
  return [
    `${name}=${value}`,
    `Path=${options.path}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(options.secure ? ['Secure'] : []),
    ...(options.maxAgeSeconds !== undefined ? [`Max-Age=${options.maxAgeSeconds}`] : []),
  ].join('; ');
}

/**
 * Headers of every portal answer: a strict Content-Security-Policy (no script at all, styles from
 * the portal's own stylesheet, forms only to the portal and the origins named), no framing, no
 * caching, no referrer beyond the portal's origin (URLs carry session ids; `no-referrer` would make
 * the browser send `Origin: null` on the portal's own form posts).
 */
export function securityHeaders(reply: FastifyReply, formTargets: string[] = []): FastifyReply {
  const csp = [
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self'",
    `form-action 'self'${formTargets.map((origin) => ` ${origin}`).join('')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  return reply
    .header('content-security-policy', csp)
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .header('cache-control', 'no-store')
    .header('cross-origin-opener-policy', 'same-origin');
}

/**
 * A form post comes from the portal's own pages: the browser's `Origin` (or, lacking it,
 * `Sec-Fetch-Site`) must say so. The CSRF token is checked as well; this stops a cross-site post
 * before any session is looked up.
 */
export function sameOrigin(request: FastifyRequest, publicUrl: string): boolean {
  const origin = request.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') return origin === new URL(publicUrl).origin;
  const site = request.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin';
}
