import type { VaultDb } from '../db/database';
import type { Envelope } from './envelope';

const recordId = (connectionId: string) => `exchange-subject:${connectionId}`;

/**
 * The user token each on-behalf-of connection is exchanged from, sealed. The API writes it when a
 * caller brings a newer one; the connection's lifecycle reads it to exchange; it goes with the connection.
 */
export class ExchangeSubjectsRepository {
  constructor(
    private readonly db: VaultDb,
    private readonly envelope: Envelope,
  ) {}

  /** Keeps the token that lives longest: an older one arriving late never replaces a newer one. */
  async save(connectionId: string, subjectToken: string, expiresAt: Date, now: Date): Promise<void> {
    const sealed = await this.envelope.seal(subjectToken, recordId(connectionId));
    const values = {
      subject_sealed: sealed.value,
      kek_id: sealed.kekId,
      expires_at: expiresAt,
      updated_at: now,
    };
    await this.db
      .insertInto('exchange_subjects')
      .values({ connection_id: connectionId, ...values })
      .onConflict((oc) =>
        oc.column('connection_id').doUpdateSet(values).where('exchange_subjects.expires_at', '<', expiresAt),
      )
      .execute();
  }

  async read(connectionId: string): Promise<{ subjectToken: string; expiresAt: Date } | undefined> {
    const row = await this.db
      .selectFrom('exchange_subjects')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      subjectToken: await this.envelope.open(row.subject_sealed, recordId(connectionId)),
      expiresAt: new Date(row.expires_at),
    };
  }

  async delete(connectionId: string): Promise<void> {
    await this.db.deleteFrom('exchange_subjects').where('connection_id', '=', connectionId).execute();
  }
}
