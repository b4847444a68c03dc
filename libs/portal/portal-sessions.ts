import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { VaultDb } from '../db/database';
import type { Envelope } from '../vault/envelope';
import { loadServerSecret } from '../vault/server-secrets';
import { CookieSeal } from './cookie-seal';

/** A person signed in to a consent portal: who (as user hashes only), for display a name, and the form token. */
export interface PortalPerson {
  portalId: string;
  /**
   * The person as Mandate's users: the hash of the configured claim as a user id
   * (`GetWorkloadAccessTokenForUserId`) and the hash of (iss, sub) (`GetWorkloadAccessTokenForJWT`).
   */
  userHashes: string[];
  /** What the IdP calls the person; kept in the sealed cookie only, never stored or logged. */
  name: string;
  /** The IdP's `groups` claim at sign-in (for approvals a policy asks of a group); in the sealed cookie only. */
  groups: string[];
  /** The CSRF token every form of this session carries. */
  csrf: string;
}

export interface PortalSessionTiming {
  idleMs: number;
  absoluteMs: number;
}

interface SessionCookie {
  sid: string;
  name: string;
  groups?: string[];
}

/** How often the last-seen time is written: not on every page view. */
const TOUCH_EVERY_MS = 60_000;

const idHash = (sid: string) => createHash('sha256').update(sid).digest('base64url');

/**
 * Signed-in sessions of consent portals. The cookie holds a sealed random session id (and the
 * person's display name); the database holds only the id's hash, the portal, the person's user
 * hashes and the times, so signing out (or deleting the portal) ends a session everywhere, and a
 * session ends after `idleMs` without use or `absoluteMs` after sign-in, whichever comes first.
 */
export class PortalSessions {
  constructor(
    private readonly db: VaultDb,
    readonly seal: CookieSeal,
    private readonly csrfKey: Buffer,
    readonly timing: PortalSessionTiming,
  ) {}

  static async load(db: VaultDb, envelope: Envelope, timing: PortalSessionTiming): Promise<PortalSessions> {
    const [cookieKey, csrfKey] = await Promise.all([
      loadServerSecret(db, envelope, 'portal-cookie-key'),
      loadServerSecret(db, envelope, 'portal-csrf-key'),
    ]);
    return new PortalSessions(db, new CookieSeal(cookieKey), csrfKey, timing);
  }

  /** @returns the sealed cookie value of the new session */
  async signIn(
    portalId: string,
    person: { userHashes: string[]; name: string; groups: string[] },
    now: Date,
  ): Promise<string> {
    const { userHashes, name, groups } = person;
    const sid = randomBytes(32).toString('base64url');
    await this.db
      .insertInto('portal_sessions')
      .values({
        id_hash: idHash(sid),
        portal_id: portalId,
        user_hashes: JSON.stringify(userHashes),
        created_at: now,
        last_seen_at: now,
      })
      .execute();
    return this.seal.seal(purpose(portalId), { sid, name, groups } satisfies SessionCookie);
  }

  /** The person a cookie signs in, while the session lives; undefined for a missing, forged or ended one. */
  async person(portalId: string, cookie: string | undefined, now: Date): Promise<PortalPerson | undefined> {
    const opened = this.seal.open<SessionCookie>(purpose(portalId), cookie);
    if (!opened || typeof opened.sid !== 'string') return undefined;
    const row = await this.db
      .selectFrom('portal_sessions')
      .selectAll()
      .where('id_hash', '=', idHash(opened.sid))
      .where('portal_id', '=', portalId)
      .executeTakeFirst();
    if (!row) return undefined;
    const idle = now.getTime() - new Date(row.last_seen_at).getTime();
    const age = now.getTime() - new Date(row.created_at).getTime();
    if (idle >= this.timing.idleMs || age >= this.timing.absoluteMs) {
      await this.end(row.id_hash);
      return undefined;
    }
    if (idle >= TOUCH_EVERY_MS) {
      await this.db
        .updateTable('portal_sessions')
        .set({ last_seen_at: now })
        .where('id_hash', '=', row.id_hash)
        .execute();
    }
    return {
      portalId,
      userHashes: row.user_hashes,
      name: String(opened.name),
      groups: Array.isArray(opened.groups) ? opened.groups.filter((g) => typeof g === 'string') : [],
      csrf: this.csrfFor(opened.sid),
    };
  }

  async signOut(portalId: string, cookie: string | undefined): Promise<void> {
    const opened = this.seal.open<SessionCookie>(purpose(portalId), cookie);
    if (opened && typeof opened.sid === 'string') await this.end(idHash(opened.sid));
  }

  /** Whether a form's token is this session's (compared in constant time). */
  checkCsrf(person: PortalPerson, token: unknown): boolean {
    if (typeof token !== 'string') return false;
    const expected = Buffer.from(person.csrf);
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private csrfFor(sid: string): string {
    return createHmac('sha256', this.csrfKey).update(`csrf:${sid}`).digest('base64url');
  }

  private async end(hash: string): Promise<void> {
    await this.db.deleteFrom('portal_sessions').where('id_hash', '=', hash).execute();
  }
}

const purpose = (portalId: string) => `portal-session:${portalId}`;
