import type { Selectable } from 'kysely';
import type { VaultDb } from '../db/database';
import type { WebhookDeliveriesTable, WebhookSubscriptionsTable } from '../db/schema';
import type { Envelope } from '../vault/envelope';
import { newWebhookSecret } from './signature';

export interface WebhookSubscription {
  name: string;
  url: string;
  events: string[];
  description?: string;
  /** Until when the previous secret still signs, after a rotation. */
  previousUntil?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export const DELIVERY_STATES = ['PENDING', 'DELIVERED', 'FAILED'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export interface WebhookDelivery {
  eventId: string;
  eventType: string;
  state: DeliveryState;
  attempts: number;
  lastStatus?: number;
  lastError?: string;
  createdAt: Date;
  updatedAt: Date;
}

/** Subscriptions with their secrets sealed by the vault's envelope, and what was delivered to them. */
export class WebhooksRepository {
  constructor(
    private readonly db: VaultDb,
    private readonly envelope: Envelope,
  ) {}

  /** Creates a subscription and answers its signing secret, which is not shown again. */
  async create(
    subscription: { name: string; url: string; events: string[]; description?: string },
    now: Date,
  ): Promise<{ subscription: WebhookSubscription; secret: string } | undefined> {
    const secret = newWebhookSecret();
    const sealed = await this.envelope.seal(secret, recordId(subscription.name));
    const row = await this.db
      .insertInto('webhook_subscriptions')
      .values({
        name: subscription.name,
        url: subscription.url,
        events: JSON.stringify(subscription.events),
        description: subscription.description ?? null,
        secret_sealed: sealed.value,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .returningAll()
      .executeTakeFirst();
    return row ? { subscription: toSubscription(row), secret } : undefined;
  }

  async find(name: string): Promise<WebhookSubscription | undefined> {
    const row = await this.db
      .selectFrom('webhook_subscriptions')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? toSubscription(row) : undefined;
  }

  async page(limit: number, after: string | undefined): Promise<WebhookSubscription[]> {
    let query = this.db.selectFrom('webhook_subscriptions').selectAll();
    if (after !== undefined) query = query.where('name', '>', after);
    return (await query.orderBy('name').limit(limit).execute()).map(toSubscription);
  }

  /** The subscriptions that asked for events of `type`. */
  async subscribedTo(type: string): Promise<string[]> {
    const rows = await this.db.selectFrom('webhook_subscriptions').select(['name', 'events']).execute();
    return rows.filter((row) => row.events.includes(type)).map((row) => row.name);
  }

  async update(
    name: string,
    changes: { url?: string; events?: string[]; description?: string },
    now: Date,
  ): Promise<WebhookSubscription | undefined> {
    const row = await this.db
      .updateTable('webhook_subscriptions')
      .set({
        ...(changes.url !== undefined ? { url: changes.url } : {}),
        ...(changes.events !== undefined ? { events: JSON.stringify(changes.events) } : {}),
        ...(changes.description !== undefined ? { description: changes.description } : {}),
        updated_at: now,
      })
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst();
    return row ? toSubscription(row) : undefined;
  }

  /** Deletes a subscription and its delivery records; events still queued for it are dropped. */
  async delete(name: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('webhook_subscriptions')
      .where('name', '=', name)
      .executeTakeFirst();
    await this.db.deleteFrom('webhook_deliveries').where('subscription_name', '=', name).execute();
    return result.numDeletedRows > 0n;
  }

  /** A new secret signs from now on; the current one keeps signing too until `previousUntil`. */
  async rotate(
    name: string,
    previousUntil: Date,
    now: Date,
  ): Promise<{ subscription: WebhookSubscription; secret: string } | undefined> {
    const current = await this.db
      .selectFrom('webhook_subscriptions')
      .select('secret_sealed')
      .where('name', '=', name)
      .executeTakeFirst();
    if (!current) return undefined;
    const secret = newWebhookSecret();
    const sealed = await this.envelope.seal(secret, recordId(name));
    const row = await this.db
      .updateTable('webhook_subscriptions')
      .set({
        secret_sealed: sealed.value,
        previous_secret_sealed: current.secret_sealed,
        previous_until: previousUntil,
        updated_at: now,
      })
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst();
    return row ? { subscription: toSubscription(row), secret } : undefined;
  }

  /** The URL and every secret that signs at `now` (the current one first). */
  async signingTarget(name: string, now: Date): Promise<{ url: string; secrets: string[] } | undefined> {
    const row = await this.db
      .selectFrom('webhook_subscriptions')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) return undefined;
    const secrets = [await this.envelope.open(row.secret_sealed, recordId(name))];
    if (row.previous_secret_sealed && row.previous_until && new Date(row.previous_until) > now)
      secrets.push(await this.envelope.open(row.previous_secret_sealed, recordId(name)));
    return { url: row.url, secrets };
  }

  /** An event was queued for a subscription (again, if its producer was retried: kept once). */
  async queued(subscription: string, event: { id: string; type: string }, now: Date): Promise<void> {
    await this.db
      .insertInto('webhook_deliveries')
      .values({
        subscription_name: subscription,
        event_id: event.id,
        event_type: event.type,
        state: 'PENDING',
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['subscription_name', 'event_id']).doNothing())
      .execute();
  }

  /** One delivery attempt and what the receiver answered (or why it could not be reached). */
  async attempted(
    subscription: string,
    eventId: string,
    outcome: { state: DeliveryState; status?: number; error?: string },
    now: Date,
  ): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        state: outcome.state,
        attempts: eb('attempts', '+', 1),
        last_status: outcome.status ?? null,
        last_error: outcome.error ?? null,
        updated_at: now,
      }))
      .where('subscription_name', '=', subscription)
      .where('event_id', '=', eventId)
      .execute();
  }

  /** The delivery ended without reaching the receiver (retries exhausted, subscription gone). */
  async failed(subscription: string, eventId: string, error: string, now: Date): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      // An attempt's own error (the URL guard's refusal) says more than the generic one: it stays.
      .set((eb) => ({
        state: 'FAILED',
        last_error: eb.fn.coalesce('last_error', eb.val(error)),
        updated_at: now,
      }))
      .where('subscription_name', '=', subscription)
      .where('event_id', '=', eventId)
      .execute();
  }

  /** Deliveries of a subscription in the order their events were queued, after the position `after`. */
  async deliveries(
    subscription: string,
    limit: number,
    after: number | undefined,
  ): Promise<(WebhookDelivery & { position: number })[]> {
    let query = this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('subscription_name', '=', subscription);
    if (after !== undefined) query = query.where('seq', '>', after);
    const rows = await query.orderBy('seq').limit(limit).execute();
    return rows.map((row) => ({ ...toDelivery(row), position: row.seq }));
  }
}

const recordId = (name: string) => `webhook:${name}`;

function toSubscription(row: Selectable<WebhookSubscriptionsTable>): WebhookSubscription {
  return {
    name: row.name,
    url: row.url,
    events: row.events,
    ...(row.description !== null ? { description: row.description } : {}),
    ...(row.previous_until ? { previousUntil: new Date(row.previous_until) } : {}),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function toDelivery(row: Selectable<WebhookDeliveriesTable>): WebhookDelivery {
  return {
    eventId: row.event_id,
    eventType: row.event_type,
    state: row.state as DeliveryState,
    attempts: row.attempts,
    ...(row.last_status !== null ? { lastStatus: row.last_status } : {}),
    ...(row.last_error !== null ? { lastError: row.last_error } : {}),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
