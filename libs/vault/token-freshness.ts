import type { Connection } from './connections.repository';

/**
 * The share of a token's total life kept back before it is no longer served: a token is served for
 * three quarters of its life, while its lifecycle refreshes it at half life, so a short-lived token
 * is always found fresh in the vault and never costs a token-endpoint call per request.
 */
const MARGIN_SHARE = 0.25;

/**
 * Whether a stored token may be served now: it has more than its margin left, where the margin is a
 * quarter of its total life (expiry minus the time it was obtained), at most `maxMarginMs`. A token
 * without expiry is always served; a token past expiry never is.
 *
 * @example
 * // A 30 s token obtained 20 s ago has 10 s left, more than its 7.5 s margin: served.
 * servable({ obtainedAt: new Date(now - 20_000), expiresAt: new Date(now + 10_000) }, 60_000, now); // true
 */
export function servable(
  connection: Pick<Connection, 'expiresAt' | 'obtainedAt'>,
  maxMarginMs: number,
  now: number = Date.now(),
): boolean {
  if (!connection.expiresAt) return true;
  const expiry = connection.expiresAt.getTime();
  const life = connection.obtainedAt ? expiry - connection.obtainedAt.getTime() : Number.POSITIVE_INFINITY;
  const margin = Math.max(0, Math.min(maxMarginMs, life * MARGIN_SHARE));
  return expiry - now > margin;
}

/** Whether a stored token is still valid at all: the answer after a renewal that could not be waited for. */
export const unexpired = (connection: Pick<Connection, 'expiresAt'>, now: number = Date.now()) =>
  servable(connection, 0, now);
