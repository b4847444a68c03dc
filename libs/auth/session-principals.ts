import type { PrincipalsRepository } from './principals.repository';
import type { PrincipalWithSecret } from './sigv4.verifier';
import { TEMPORARY_KEY_PREFIX, type SessionCredentials } from './temporary-credentials';

/**
 * The SigV4 lookup of every caller: long-term keys from the database (through its cache), and
 * temporary credentials from their session token alone, checked against the principal they assume.
 * Those stop working at their expiry, when the principal is deleted (or deleted and made again
 * under the same name), and when its web identity trust is removed.
 */
export function principalLookup(
  principals: Pick<PrincipalsRepository, 'findByAccessKey' | 'forSession'>,
  sessions: SessionCredentials,
) {
  const temporary = async (
    accessKeyId: string,
    sessionToken: string | undefined,
  ): Promise<PrincipalWithSecret | undefined> => {
    const claims = sessions.open(accessKeyId, sessionToken);
    const principal = await principals.forSession(claims.principal);
    if (!principal?.webIdentityTrust || principal.createdAt.getTime() > claims.issuedAtMs) return undefined;
    return {
      accessKeyId,
      name: principal.name,
      policy: principal.policy,
      tags: principal.tags,
      secretAccessKey: sessions.secretOf(accessKeyId),
      session: { issuer: claims.issuer, subject: claims.subject, sessionName: claims.sessionName },
    };
  };
  // Not itself async: a long-term key's lookup is the cache's promise, with none added on every call.
  return (accessKeyId: string, sessionToken: string | undefined): Promise<PrincipalWithSecret | undefined> =>
    accessKeyId.startsWith(TEMPORARY_KEY_PREFIX)
      ? temporary(accessKeyId, sessionToken)
      : principals.findByAccessKey(accessKeyId);
}
