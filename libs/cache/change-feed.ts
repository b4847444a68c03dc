import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Logger } from '../logging/logger';

/** The PostgreSQL channel every Mandate process listens on. */
const CHANNEL = 'mandate_changes';
const RECONNECT_MS = 1000;

/**
 * Tells the other processes on one database of changes their caches hold (a connection revoked, a
 * key deleted, a provider or policy changed), so each drops its copy at once rather than after the
 * cache TTL, which stays the bound when a notification is lost. Messages carry a topic (the cache's
 * name) and a key (an id, a name or an ARN), never a value.
 */
export interface ChangeFeed {
  publish(topic: string, key: string): void;
  /** `changed` runs for every other process's change of `topic`. */
  subscribe(topic: string, changed: (key: string) => void): void;
  /** `missed` runs when notifications may have been lost (the listening connection dropped). */
  onMissed(missed: () => void): void;
  close(): Promise<void>;
}

/** One process (PGlite): its own caches are all there is. */
export const localFeed: ChangeFeed = {
  publish: () => undefined,
  subscribe: () => undefined,
  onMissed: () => undefined,
  close: () => Promise.resolve(),
};

/**
 * LISTEN/NOTIFY on PostgreSQL: one connection of its own listens (reconnecting after a drop, and
 * then reporting that changes may have been missed); `publish` sends `pg_notify` through `notify`,
 * the vault's own pool, after the write it follows.
 */
export class PostgresChangeFeed implements ChangeFeed {
  private readonly origin = randomUUID();
  private readonly topics = new Map<string, ((key: string) => void)[]>();
  private readonly missedHandlers: (() => void)[] = [];
  private listener?: Client;
  private closed = false;

  private constructor(
    private readonly url: string,
    private readonly notify: (channel: string, payload: string) => Promise<unknown>,
    private readonly log: Logger,
  ) {}

  static async start(
    url: string,
    notify: (channel: string, payload: string) => Promise<unknown>,
    log: Logger,
  ): Promise<PostgresChangeFeed> {
    const feed = new PostgresChangeFeed(url, notify, log);
    await feed.listen();
    return feed;
  }

  publish(topic: string, key: string): void {
    const payload = JSON.stringify({ o: this.origin, t: topic, k: key });
    this.notify(CHANNEL, payload).catch((err: unknown) =>
      this.log.warn(
        { err, topic },
        'change notification not sent; other processes see it within the cache TTL',
      ),
    );
  }

  subscribe(topic: string, changed: (key: string) => void): void {
    this.topics.set(topic, [...(this.topics.get(topic) ?? []), changed]);
  }

  onMissed(missed: () => void): void {
    this.missedHandlers.push(missed);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.listener?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.url });
    client.on('notification', (message) => this.received(message.payload));
    client.on('error', (err) => {
      this.log.warn({ err }, 'change feed connection lost; reconnecting');
      this.reconnect(client);
    });
    client.on('end', () => this.reconnect(client));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
  }

  private reconnect(dropped: Client): void {
    if (this.closed || this.listener !== dropped) return;
    this.listener = undefined;
    const retry = () => {
      if (this.closed) return;
      this.listen()
        .then(() => {
          // Whatever changed while nobody listened is unknown: drop everything cached.
          for (const missed of this.missedHandlers) missed();
        })
        .catch(() => setTimeout(retry, RECONNECT_MS).unref());
    };
    setTimeout(retry, RECONNECT_MS).unref();
  }

  private received(payload: string | undefined): void {
    let message: { o?: unknown; t?: unknown; k?: unknown };
    try {
      message = JSON.parse(payload ?? '') as typeof message;
    } catch {
      return;
    }
    if (message.o === this.origin || typeof message.t !== 'string' || typeof message.k !== 'string') return;
    for (const changed of this.topics.get(message.t) ?? []) changed(message.k);
  }
}
