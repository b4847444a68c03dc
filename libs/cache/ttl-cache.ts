/**
 * A small in-process cache for the hot path: values live `ttlMs`, at most `maxEntries` are kept
 * (the oldest goes first), and concurrent misses for one key share one load. Failed loads are not kept.
 *
 * @example
 * const principals = new TtlCache<string, Principal | undefined>({ ttlMs: 30_000, maxEntries: 1000 });
 * const principal = await principals.get(accessKeyId, () => repository.find(accessKeyId));
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: Promise<V>; at: number; settled?: { value: V } }>();

  constructor(
    private readonly options: {
      ttlMs: number;
      maxEntries: number;
      now?: () => number;
      /** Told of every lookup, hit or not (Metrics.cacheObserver). */
      observe?: (hit: boolean) => void;
      /** Told of every `delete`: a change other processes' caches must drop too (ChangeFeed). */
      deleted?: (key: K) => void;
    },
  ) {}

  private now() {
    return this.options.now?.() ?? Date.now();
  }

  /** The entry for `key` while it lives (loaded or still loading): the one TTL rule. */
  private live(key: K) {
    const hit = this.entries.get(key);
    return hit && this.now() - hit.at < this.options.ttlMs ? hit : undefined;
  }

  get(key: K, load: () => Promise<V>): Promise<V> {
    const hit = this.live(key);
    if (hit) {
      this.options.observe?.(true);
      return hit.value;
    }
    this.options.observe?.(false);
    const value = load();
    const entry: { value: Promise<V>; at: number; settled?: { value: V } } = { value, at: this.now() };
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    value.then(
      (loaded) => {
        entry.settled = { value: loaded };
      },
      () => {
        if (this.entries.get(key)?.value === value) this.entries.delete(key);
      },
    );
    return value;
  }

  /**
   * The value when it is cached, fresh and already loaded, without a promise: the hot path decides
   * synchronously on what it already has (undefined: ask `get`).
   */
  peek(key: K): { value: V } | undefined {
    const hit = this.live(key);
    if (!hit?.settled) return undefined;
    this.options.observe?.(true);
    return hit.settled;
  }

  /** Like `get`, but a load that finds nothing is not kept: the thing may be created any moment. */
  find(key: K, load: () => Promise<V>): Promise<V> {
    // A hit already loaded is the cached promise itself: the hot path makes none of its own.
    const hit = this.live(key);
    if (hit?.settled && hit.settled.value !== undefined) {
      this.options.observe?.(true);
      return hit.value;
    }
    return this.get(key, load).then((value) => {
      if (value === undefined) this.entries.delete(key);
      return value;
    });
  }

  /** The value changed: dropped here, and through `deleted` in every process that caches it. */
  delete(key: K): void {
    this.entries.delete(key);
    this.options.deleted?.(key);
  }

  /** Another process changed the value (a notification): dropped here only. */
  evict(key: K): void {
    this.entries.delete(key);
  }

  /** Notifications may have been missed: nothing cached is used again. */
  clear(): void {
    this.entries.clear();
  }
}
