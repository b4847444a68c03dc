import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { WatUser } from '../auth/workload-access-token';
import type { VaultDb } from '../db/database';
import type { Envelope } from '../vault/envelope';
import { loadServerSecret } from '../vault/server-secrets';

const KEY_NAME = 'user-hash-key';
const KEYED = 'u2.';
const LEGACY = 'u1.';

/** The unkeyed digest of a user: (iss, sub) for a JWT user, the exact user id otherwise; the two never collide. */
function digest(user: WatUser): string {
  const canonical =
    user.kind === 'jwt'
      ? JSON.stringify(['jwt', user.iss, user.sub])
      : JSON.stringify(['userId', user.userId]);
  return createHash('sha256').update(canonical).digest('base64url');
}

/**
 * The user as a keyed hash: what sessions, connections, workflows and the audit log carry instead of
 * an e-mail or a subject. An HMAC with a server secret sealed in the vault, so no one can recompute
 * it from a user id without the vault. Earlier versions stored the plain digest (`u1.`); the keyed
 * hash is the HMAC of that digest, so stored legacy hashes convert without knowing the user.
 *
 * @example
 * const keys = await UserKeys.load(db, envelope);
 * keys.hash({ kind: 'userId', userId: 'cognito+alice' }); // 'u2.…' (43 base64url characters after the tag)
 */
export class UserKeys {
  /** The hash of each verified user object: a request's service and its audit event hash it once. */
  private readonly hashes = new WeakMap<WatUser, string>();

  constructor(private readonly key: Buffer) {}

  static async load(db: VaultDb, envelope: Envelope): Promise<UserKeys> {
    return new UserKeys(await loadServerSecret(db, envelope, KEY_NAME));
  }

  hash(user: WatUser): string {
    let hashed = this.hashes.get(user);
    if (hashed === undefined) {
      hashed = this.keyed(digest(user));
      this.hashes.set(user, hashed);
    }
    return hashed;
  }

  /** The keyed hash of a user stored in the legacy format; undefined for anything else. */
  fromLegacy(stored: string): string | undefined {
    return stored.startsWith(LEGACY) ? this.keyed(stored.slice(LEGACY.length)) : undefined;
  }

  /** The legacy unkeyed hash, only to find what earlier versions stored (sessions started before the upgrade). */
  legacy(user: WatUser): string {
    return `${LEGACY}${digest(user)}`;
  }

  /** The hash of `user` in the format `stored` is in: what a record made by an earlier version is compared with. */
  inFormatOf(stored: string, user: WatUser): string {
    return stored.startsWith(LEGACY) ? this.legacy(user) : this.hash(user);
  }

  /** Whether `stored`, in either format, is the hash of `user`. */
  isUser(stored: string, user: WatUser): boolean {
    const expected = Buffer.from(this.inFormatOf(stored, user));
    const given = Buffer.from(stored);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private keyed(userDigest: string): string {
    return `${KEYED}${createHmac('sha256', this.key).update(userDigest).digest('base64url')}`;
  }
}

/** Every vault hit names its connection: the ids of the connections in use are hashed once. */
const connectionIds = new Map<string, string>();

/** The opaque business key of a connection (workload + user + provider): the connection's workflow id and row id. */
export function connectionId(workloadName: string, user: string, providerName: string): string {
  const parts = JSON.stringify([workloadName, user, providerName]);
  let id = connectionIds.get(parts);
  if (id === undefined) {
    id = createHash('sha256').update(parts).digest('base64url').slice(0, 32);
    if (connectionIds.size >= 10_000) connectionIds.clear();
    connectionIds.set(parts, id);
  }
  return id;
}
