import { createHash } from 'node:crypto';
import type { VaultDb } from '../db/database';
import type { SessionStatus } from '../db/schema';
import type { Envelope } from '../vault/envelope';

/** What a session keeps secret until the code is redeemed. */
export interface SessionSecrets {
  codeVerifier: string;
  nonce?: string;
  customState?: string;
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
      })
      .execute();
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
