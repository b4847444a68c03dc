import { createHash } from 'node:crypto';
import type { VaultDb } from '../db/database';
import type { SessionStatus } from '../db/schema';
import type { Envelope } from '../vault/envelope';

/** What a session keeps secret until the code is redeemed. */
export interface SessionSecrets {
  codeVerifier: string;
  nonce?: string;
  customState?: string;
  /** For a session shown on a consent portal first: the authorization server's URL, released on Allow. */
  authorizationUrl?: string;
}

/** What a consent portal shows of a session, and what the person there decided. */
export interface PortalRequest {
  portalId: string;
  /** The principal that asked for the token. */
  requestedBy?: string;
  resources?: string[];
  audiences?: string[];
  decision?: 'ALLOWED' | 'DENIED';
}

/** What the authorization server sent back to the callback, kept until redemption. */
export interface CallbackParameters {
  /** The whole query string of the callback, for openid-client to validate (state, iss, code). */
  query: string;
}

export interface AuthSession {
  id: string;
  workloadName: string;
  providerName: string;
  userHash: string;
  connectionId: string;
  scopes: string[];
  returnUrl: string;
  status: SessionStatus;
  failureReason?: string;
  expiresAt: Date;
  /** Set when the session goes through a consent portal's consent screen. */
  portal?: PortalRequest;
}

const recordId = (id: string, part: 'secrets' | 'callback') => `auth-session:${id}:${part}`;
export const stateHash = (state: string) => createHash('sha256').update(state).digest('base64url');

type Row = {
  id: string;
  workload_name: string;
  provider_name: string;
  user_hash: string;
  connection_id: string;
  scopes: string[];
  return_url: string;
  status: SessionStatus;
  failure_reason: string | null;
  expires_at: Date;
  portal_id: string | null;
  requested_by: string | null;
  resources: string[] | null;
  audiences: string[] | null;
  portal_decision: string | null;
};

const toSession = (row: Row): AuthSession => ({
  id: row.id,
  workloadName: row.workload_name,
  providerName: row.provider_name,
  userHash: row.user_hash,
  connectionId: row.connection_id,
  scopes: row.scopes,
  returnUrl: row.return_url,
  status: row.status,
  ...(row.failure_reason ? { failureReason: row.failure_reason } : {}),
  expiresAt: new Date(row.expires_at),
  ...(row.portal_id
    ? {
        portal: {
          portalId: row.portal_id,
          ...(row.requested_by ? { requestedBy: row.requested_by } : {}),
          ...(row.resources ? { resources: row.resources } : {}),
          ...(row.audiences ? { audiences: row.audiences } : {}),
          ...(row.portal_decision === 'ALLOWED' || row.portal_decision === 'DENIED'
            ? { decision: row.portal_decision }
            : {}),
        },
      }
    : {}),
});

const COLUMNS = [
  'id',
  'workload_name',
  'provider_name',
  'user_hash',
  'connection_id',
  'scopes',
  'return_url',
  'status',
  'failure_reason',
  'expires_at',
  'portal_id',
  'requested_by',
  'resources',
  'audiences',
  'portal_decision',
] as const;

/**
 * Authorization sessions in the vault database. The PKCE verifier, nonce, customState and the
 * callback's code are sealed, bound to their session, and read only to redeem the code; the `state`
 * is stored as a hash and can be used once.
 */
export class SessionsRepository {
  constructor(
    private readonly db: VaultDb,
    private readonly envelope: Envelope,
  ) {}

  async create(session: Omit<AuthSession, 'status'>, state: string, secrets: SessionSecrets): Promise<void> {
    const sealed = await this.envelope.seal(JSON.stringify(secrets), recordId(session.id, 'secrets'));
    await this.db
      .insertInto('auth_sessions')
      .values({
        id: session.id,
        state_hash: stateHash(state),
        workload_name: session.workloadName,
        provider_name: session.providerName,
        user_hash: session.userHash,
        connection_id: session.connectionId,
        scopes: JSON.stringify(session.scopes),
        return_url: session.returnUrl,
        secrets_sealed: sealed.value,
        kek_id: sealed.kekId,
        status: 'IN_PROGRESS',
        expires_at: session.expiresAt,
        ...(session.portal
          ? {
              portal_id: session.portal.portalId,
              requested_by: session.portal.requestedBy ?? null,
              resources: session.portal.resources ? JSON.stringify(session.portal.resources) : null,
              audiences: session.portal.audiences ? JSON.stringify(session.portal.audiences) : null,
            }
          : {}),
      })
      .execute();
  }

  /**
   * The person on the consent portal decided, once, while the session is live: Allow releases the
   * authorization server's URL; Deny also spends the `state`, so that URL can no longer be used.
   * @returns false when the session was already decided, has ended, or is not a portal session
   */
  async decide(id: string, decision: 'ALLOWED' | 'DENIED', now: Date): Promise<boolean> {
    const row = await this.db
      .updateTable('auth_sessions')
      .set({ portal_decision: decision, ...(decision === 'DENIED' ? { state_used: true } : {}) })
      .where('id', '=', id)
      .where('portal_id', 'is not', null)
      .where('portal_decision', 'is', null)
      .where('status', '=', 'IN_PROGRESS')
      .where('expires_at', '>', now)
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  }

  async find(id: string): Promise<AuthSession | undefined> {
    const row = await this.db
      .selectFrom('auth_sessions')
      .select(COLUMNS)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toSession(row) : undefined;
  }

  /**
   * Consumes a `state`: the session it belongs to, once, and only while it is live. A second use, an
   * unknown state or an expired session answer undefined.
   */
  async consumeState(state: string, now: Date): Promise<AuthSession | undefined> {
    const row = await this.db
      .updateTable('auth_sessions')
      .set({ state_used: true })
      .where('state_hash', '=', stateHash(state))
      .where('state_used', '=', false)
      .where('status', '=', 'IN_PROGRESS')
      .where('expires_at', '>', now)
      .returning(COLUMNS)
      .executeTakeFirst();
    return row ? toSession(row) : undefined;
  }

  async saveCallback(id: string, callback: CallbackParameters): Promise<void> {
    const sealed = await this.envelope.seal(JSON.stringify(callback), recordId(id, 'callback'));
    await this.db
      .updateTable('auth_sessions')
      .set({ callback_sealed: sealed.value })
      .where('id', '=', id)
      .execute();
  }

  /** The sealed parts, for the activity that redeems the code. */
  async secrets(id: string): Promise<{ secrets: SessionSecrets; callback?: CallbackParameters } | undefined> {
    const row = await this.db
      .selectFrom('auth_sessions')
      .select(['secrets_sealed', 'callback_sealed'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const secrets = JSON.parse(
      await this.envelope.open(row.secrets_sealed, recordId(id, 'secrets')),
    ) as SessionSecrets;
    const callback = row.callback_sealed
      ? (JSON.parse(
          await this.envelope.open(row.callback_sealed, recordId(id, 'callback')),
        ) as CallbackParameters)
      : undefined;
    return { secrets, ...(callback ? { callback } : {}) };
  }

  /** Records the outcome and forgets the code and verifier, which are of no use after it. */
  async finish(id: string, status: 'COMPLETED' | 'FAILED', failureReason?: string): Promise<void> {
    await this.db
      .updateTable('auth_sessions')
      .set({ status, failure_reason: failureReason ?? null, callback_sealed: null })
      .where('id', '=', id)
      .execute();
  }
}
