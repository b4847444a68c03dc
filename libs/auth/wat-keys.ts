import { randomBytes, randomUUID } from 'node:crypto';
import type { VaultDb } from '../db/database';
import type { Envelope } from '../vault/envelope';

export interface WatKey {
  kid: string;
  secret: Buffer;
  signsFrom: number;
  signsUntil: number;
  verifiesUntil: number;
}

export interface WatKeyRingOptions {
  /** How long one key signs new tokens. */
  rotationMs: number;
  /** The longest a token lives: a key keeps verifying this long after it stops signing. */
  maxTokenTtlMs: number;
  /** How often every replica reloads the keys; a new key is published two periods before it signs. */
  refreshMs: number;
  now?: () => number;
}

const recordId = (kid: string) => `wat-key:${kid}`;

/**
 * The rotating keys that encrypt workload access tokens, kept in the vault database (sealed) and
 * held in memory, so verifying a token needs no database or network call. Keys are published ahead
 * of use, stop signing after `rotationMs`, and verify until the last token they made has expired.
 *
 * @example
 * const ring = new WatKeyRing(db, envelope, { rotationMs: 86_400_000, maxTokenTtlMs: 3_600_000, refreshMs: 60_000 });
 * await ring.start();
 * ring.signingKey(); ring.find(kid);
 */
export class WatKeyRing {
  private keys: WatKey[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: VaultDb,
    private readonly envelope: Envelope,
    private readonly options: WatKeyRingOptions,
  ) {}

  private now() {
    return this.options.now?.() ?? Date.now();
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.options.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Loads the keys, creates the next one when the current one nears its end, and drops dead ones. */
  async refresh(): Promise<void> {
    const now = this.now();
    await this.db.deleteFrom('wat_keys').where('verifies_until', '<', new Date(now)).execute();
    let keys = await this.load();
    const current = this.pick(keys, now);
    const horizon = now + 2 * this.options.refreshMs;
    if (!current) {
      await this.create(now);
      keys = await this.load();
    } else if (current.signsUntil <= horizon && !keys.some((k) => k.signsFrom >= current.signsUntil)) {
      await this.create(current.signsUntil);
      keys = await this.load();
    }
    this.keys = keys;
  }

  /** The key new tokens are encrypted with. */
  signingKey(): WatKey {
    const key = this.pick(this.keys, this.now());
    if (!key) throw new Error('No workload access token key is active; the key ring has not been refreshed');
    return key;
  }

  /** A key that may still verify tokens, by id. */
  find(kid: string): WatKey | undefined {
    const now = this.now();
    return this.keys.find((k) => k.kid === kid && k.verifiesUntil > now);
  }

  /** The newest key whose signing window contains `now`. */
  private pick(keys: WatKey[], now: number): WatKey | undefined {
    return keys
      .filter((k) => k.signsFrom <= now && now < k.signsUntil)
      .sort((a, b) => b.signsFrom - a.signsFrom || a.kid.localeCompare(b.kid))[0];
  }

  private async create(signsFrom: number): Promise<void> {
    const kid = randomUUID();
    const sealed = await this.envelope.seal(randomBytes(32).toString('base64'), recordId(kid));
    const signsUntil = signsFrom + this.options.rotationMs;
    await this.db
      .insertInto('wat_keys')
      .values({
        kid,
        secret_sealed: sealed.value,
        kek_id: sealed.kekId,
        signs_from: new Date(signsFrom),
        signs_until: new Date(signsUntil),
        // A minute of slack for clocks that differ between replicas.
        verifies_until: new Date(signsUntil + this.options.maxTokenTtlMs + 60_000),
      })
      .execute();
  }

  private async load(): Promise<WatKey[]> {
    const rows = await this.db.selectFrom('wat_keys').selectAll().execute();
    return Promise.all(
      rows.map(async (row) => ({
        kid: row.kid,
        secret: Buffer.from(await this.envelope.open(row.secret_sealed, recordId(row.kid)), 'base64'),
        signsFrom: new Date(row.signs_from).getTime(),
        signsUntil: new Date(row.signs_until).getTime(),
        verifiesUntil: new Date(row.verifies_until).getTime(),
      })),
    );
  }
}
