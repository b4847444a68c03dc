import type { TokenSet } from '../oauth/oauth-client';
import type { Connection, ConnectionTokens } from './connections.repository';

/**
 * The one rule from a token endpoint's answer to what the vault stores: the granted scopes (split on
 * spaces or commas; the requested ones when the server names none), the expiry (from `expires_in`,
 * else `assumedLifetimeMs` when given, else none), and the refresh and ID tokens, keeping the
 * previous ones when the answer carries no new ones (servers that do not rotate refresh tokens).
 *
 * @example
 * const { connection, tokens } = storedFromTokenResponse(answer, { ...owner, scopes: requested }, new Date());
 * await connections.save(connection, tokens, at);
 */
export function storedFromTokenResponse(
  answer: TokenSet,
  connection: Omit<Connection, 'expiresAt' | 'obtainedAt'>,
  at: Date,
  options: { assumedLifetimeMs?: number; previous?: ConnectionTokens } = {},
): { connection: Connection; tokens: ConnectionTokens } {
  const lifetimeMs = answer.expiresIn !== undefined ? answer.expiresIn * 1000 : options.assumedLifetimeMs;
  const granted = answer.scope ? answer.scope.split(/[ ,]/).filter(Boolean) : undefined;
  const refreshToken = answer.refreshToken ?? options.previous?.refreshToken;
  const idToken = answer.idToken ?? options.previous?.idToken;
  return {
    connection: {
      ...connection,
      ...(granted ? { scopes: granted } : {}),
      ...(lifetimeMs !== undefined ? { expiresAt: new Date(at.getTime() + lifetimeMs) } : {}),
    },
    tokens: {
      accessToken: answer.accessToken,
      ...(refreshToken ? { refreshToken } : {}),
      ...(idToken ? { idToken } : {}),
      ...(answer.tokenType ? { tokenType: answer.tokenType } : {}),
    },
  };
}
