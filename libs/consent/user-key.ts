import { createHash } from 'node:crypto';
import type { WatUser } from '../auth/workload-access-token';

/**
 * The user as a stable hash: what sessions, connections and workflows carry instead of an e-mail or a
 * subject. (iss, sub) for a JWT user, the exact user id otherwise; the two kinds never collide.
 *
 * @example
 * userHash({ kind: 'userId', userId: 'cognito+alice' }); // 'u1.…' (43 base64url characters after the tag)
 */
export function userHash(user: WatUser): string {
  const canonical =
    user.kind === 'jwt'
      ? JSON.stringify(['jwt', user.iss, user.sub])
      : JSON.stringify(['userId', user.userId]);
  return `u1.${createHash('sha256').update(canonical).digest('base64url')}`;
}

/** The opaque business key of a connection (workload + user + provider): the connection's workflow id and row id. */
export function connectionId(workloadName: string, user: string, providerName: string): string {
  return createHash('sha256')
    .update(JSON.stringify([workloadName, user, providerName]))
    .digest('base64url')
    .slice(0, 32);
}
