import { toStorable } from '../wire/text';
import { hash } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type { VaultDb } from '../db/database';
import type { AuditEventsTable } from '../db/schema';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics/metrics';

/** One thing that happened: who did what to which resource, and how it ended. Never a secret. */
export interface AuditEvent {
  /** `principal:<name>`, `unverified:<access key id>`, `anonymous`, or `mandate` for the service's own work. */
  actor: string;
  operation: string;
  workloadName?: string;
  /** The credential provider, workload identity or ARN the event concerns. */
  resource?: string;
  /** The user as a hash (libs/consent/user-key), never an e-mail or a subject. */
  userHash?: string;
  /** `Success`, or the error's name (`AccessDeniedException`, `invalid_grant`, ...). */
  outcome: string;
  /** Labels and counts only, and for temporary credentials the web identity (issuer, workload subject, session). */
  detail?: Record<string, string | number | boolean>;
}

export interface StoredAuditEvent extends AuditEvent {
  seq: number;
  at: string;
  prevHash: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);
/** Under load, the next batch waits this long for this many events (record's promise, no request, waits). */
const BATCH_LINGER_MS = 10;
const BATCH_GATHERED = 200;

function storableEvent(event: AuditEvent): AuditEvent {
  return {
    actor: toStorable(event.actor),
    operation: toStorable(event.operation),
    ...(event.workloadName !== undefined ? { workloadName: toStorable(event.workloadName) } : {}),
    ...(event.resource !== undefined ? { resource: toStorable(event.resource) } : {}),
    ...(event.userHash !== undefined ? { userHash: toStorable(event.userHash) } : {}),
    outcome: toStorable(event.outcome),
    ...(event.detail
      ? {
          detail: Object.fromEntries(
            Object.entries(event.detail).map(([key, value]) => [
              toStorable(key),
              typeof value === 'string' ? toStorable(value) : value,
            ]),
          ),
        }
      : {}),
  };
}
/** Serialises appends across every process writing to the database (any 64-bit constant, this one spells "audit"). */
export const AUDIT_APPEND_LOCK = 0x6175646974;

/** JSON with object keys sorted, so a value hashes the same after a round trip through jsonb. */
function canonical(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value ?? null);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) out += `${i > 0 ? ',' : ''}${canonical(value[i])}`;
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  // Keys are distinct, so the default order (UTF-16 code units) is the whole order.
  let out = '{';
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonical(item)}`;
  }
  return `${out}}`;
}

/**
 * The hash that chains an event to the one before it. Exported for the test that holds it to fixed
 * values: stored chains are verified with it, so its output may never change.
 */
export function eventHash(prevHash: string, event: Omit<StoredAuditEvent, 'hash' | 'prevHash'>): string {
  const body = canonical([
    event.seq,
    event.at,
    event.actor,
    event.operation,
    event.workloadName ?? null,
    event.resource ?? null,
    event.userHash ?? null,
    event.outcome,
    event.detail ?? null,
  ]);
  return hash('sha256', `${prevHash}\n${body}`, 'hex');
}

/**
 * The append-only, hash-chained audit log. Events are queued and written in batches (one
 * transaction, under a database-wide lock, so replicas and workers extend one chain), which keeps the
 * cost off the request path; `record` resolves once its event is committed.
 *
 * @example
 * await audit.record({ actor: 'principal:admin', operation: 'CreateWorkloadIdentity', resource: 'crm-agent', outcome: 'Success' });
 */
export class AuditLog {
  private queue: { event: AuditEvent; at: Date; done: (() => void) | undefined }[] = [];
  private writing: Promise<void> | undefined;

  constructor(
    private readonly db: VaultDb,
    private readonly log: Logger,
    private readonly metrics?: Pick<Metrics, 'audit'>,
  ) {}

  record(event: AuditEvent): Promise<void> {
    return new Promise((done) => this.enqueue(event, done));
  }

  /** Records an event without waiting for its commit: the call observers' way, one per request. */
  note(event: AuditEvent): void {
    this.enqueue(event);
  }

  private enqueue(event: AuditEvent, done?: () => void): void {
    // What a caller sent is recorded as text the database keeps byte for byte, so one odd name can
    // neither break the hash chain nor fail a batch with other callers' events in it.
    this.queue.push({ event: storableEvent(event), at: new Date(), done });
    this.writing ??= this.drain();
  }

  /** Resolves when everything recorded so far is committed. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    // Let the requests of this tick join the batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.append(batch);
        this.metrics?.audit('written', batch.length);
      } catch (err) {
        this.metrics?.audit('failed', batch.length);
        // The service keeps serving; the failure is loud in the log, with event names only.
        this.log.error(
          { err, operations: batch.map((b) => b.event.operation) },
          'audit events could not be written',
        );
      }
      for (const item of batch) item.done?.();
      // Under load, events arrive while a batch commits. A batch costs the same five round trips and
      // statements whatever its size, so a short wait gathers a larger next one.
      if (this.queue.length > 0 && this.queue.length < BATCH_GATHERED)
        await new Promise((resolve) => setTimeout(resolve, BATCH_LINGER_MS));
    }
    this.writing = undefined;
  }

  private async append(batch: { event: AuditEvent; at: Date }[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${AUDIT_APPEND_LOCK})`.execute(trx);
      const last = await trx
        .selectFrom('audit_events')
        .select(['seq', 'hash'])
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      let seq = last ? Number(last.seq) : 0;
      let prevHash = last?.hash ?? GENESIS;
      const rows = batch.map(({ event, at }) => {
        seq += 1;
        const stored = { ...event, seq, at: at.toISOString() };
        const hash = eventHash(prevHash, stored);
        const row = {
          seq,
          at: stored.at,
          actor: event.actor,
          operation: event.operation,
          workload_name: event.workloadName ?? null,
          resource: event.resource ?? null,
          user_hash: event.userHash ?? null,
          outcome: event.outcome,
          detail: event.detail ?? null,
          prev_hash: prevHash,
          hash,
        };
        prevHash = hash;
        return row;
      });
      // The whole batch as one JSON parameter: a statement of fixed text, where a multi-row VALUES
      // list costs eleven parameters a row to build, send and parse (a tenth of the hot path's CPU
      // in `npm run bench:profile` at a few thousand events a second).
      await sql`insert into audit_events
          (seq, at, actor, operation, workload_name, resource, user_hash, outcome, detail, prev_hash, hash)
        select seq, at, actor, operation, workload_name, resource, user_hash, outcome, detail, prev_hash, hash
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as batch(
          seq bigint, at timestamptz, actor text, operation text, workload_name text, resource text,
          user_hash text, outcome text, detail jsonb, prev_hash text, hash text)`.execute(trx);
    });
  }
}

type Row = Selectable<AuditEventsTable>;

const toEvent = (row: Row): StoredAuditEvent => ({
  seq: Number(row.seq),
  at: new Date(row.at).toISOString(),
  actor: row.actor,
  operation: row.operation,
  ...(row.workload_name !== null ? { workloadName: row.workload_name } : {}),
  ...(row.resource !== null ? { resource: row.resource } : {}),
  ...(row.user_hash !== null ? { userHash: row.user_hash } : {}),
  outcome: row.outcome,
  ...(row.detail !== null ? { detail: row.detail as AuditEvent['detail'] } : {}),
  prevHash: row.prev_hash,
  hash: row.hash,
});

/** Events after `afterSeq`, oldest first. */
export async function listAuditEvents(
  db: VaultDb,
  options: { afterSeq?: number; limit: number },
): Promise<StoredAuditEvent[]> {
  const rows = await db
    .selectFrom('audit_events')
    .selectAll()
    .where('seq', '>', String(options.afterSeq ?? 0) as never)
    .orderBy('seq')
    .limit(options.limit)
    .execute();
  return rows.map(toEvent);
}

/**
 * Walks the whole chain: every event must hash to its stored hash and name its predecessor's.
 * @returns the number of events checked and the first sequence number where the chain breaks
 */
export async function verifyAuditChain(
  db: VaultDb,
  pageSize = 1000,
): Promise<{ events: number; intact: boolean; brokenAtSeq?: number }> {
  let prevHash = GENESIS;
  let expectedSeq = 1;
  let events = 0;
  for (;;) {
    const page = await listAuditEvents(db, { afterSeq: expectedSeq - 1, limit: pageSize });
    for (const event of page) {
      const { hash, prevHash: storedPrev, ...rest } = event;
      if (event.seq !== expectedSeq || storedPrev !== prevHash || eventHash(prevHash, rest) !== hash)
        return { events, intact: false, brokenAtSeq: event.seq };
      prevHash = hash;
      expectedSeq += 1;
      events += 1;
    }
    if (page.length < pageSize) return { events, intact: true };
  }
}
