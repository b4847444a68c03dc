import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  it('shares one load between concurrent misses and serves it until the TTL passes', async () => {
    let now = 0;
    let loads = 0;
    const cache = new TtlCache<string, number>({ ttlMs: 100, maxEntries: 10, now: () => now });
    const load = () => Promise.resolve((loads += 1));
    assert.deepEqual(await Promise.all([cache.get('a', load), cache.get('a', load)]), [1, 1]);
    now = 99;
    assert.equal(await cache.get('a', load), 1);
    now = 100;
    assert.equal(await cache.get('a', load), 2);
  });

  it('keeps at most maxEntries, dropping the oldest, and forgets failed loads', async () => {
    const cache = new TtlCache<number, number>({ ttlMs: 1000, maxEntries: 2 });
    let loads = 0;
    const load = () => Promise.resolve((loads += 1));
    await cache.get(1, load);
    await cache.get(2, load);
    await cache.get(3, load);
    assert.equal(await cache.get(2, load), 2, 'still cached');
    assert.equal(await cache.get(1, load), 4, 'the oldest was dropped');
    await assert.rejects(cache.get(9, () => Promise.reject(new Error('down'))));
    assert.equal(await cache.get(9, () => Promise.resolve(7)), 7, 'a failure is not kept');
  });

  it('peeks only at a value that is loaded, fresh and still there', async () => {
    let now = 0;
    const cache = new TtlCache<string, number | undefined>({ ttlMs: 100, maxEntries: 10, now: () => now });
    assert.equal(cache.peek('a'), undefined, 'never asked');
    let finish!: (value: number) => void;
    const pending = cache.get('a', () => new Promise((resolve) => (finish = resolve)));
    assert.equal(cache.peek('a'), undefined, 'still loading');
    finish(1);
    await pending;
    assert.deepEqual(cache.peek('a'), { value: 1 });
    await cache.get('none', () => Promise.resolve(undefined));
    assert.deepEqual(cache.peek('none'), { value: undefined }, 'a cached "nothing" is an answer');
    now = 100;
    assert.equal(cache.peek('a'), undefined, 'expired');
    now = 0;
    cache.evict('none');
    assert.equal(cache.peek('none'), undefined, 'evicted');
  });

  it('finds a stored value from the cache, and asks again while nothing is found', async () => {
    let now = 0;
    let loads = 0;
    let stored: number | undefined;
    const cache = new TtlCache<string, number | undefined>({ ttlMs: 100, maxEntries: 10, now: () => now });
    const load = () => ((loads += 1), Promise.resolve(stored));
    assert.deepEqual(await Promise.all([cache.find('a', load), cache.find('a', load)]), [
      undefined,
      undefined,
    ]);
    assert.equal(loads, 1, 'concurrent finds share one load');
    stored = 5;
    assert.equal(await cache.find('a', load), 5, 'nothing found was not kept');
    stored = 6;
    assert.equal(await cache.find('a', load), 5, 'a found value is served from the cache');
    assert.equal(loads, 2);
    now = 100;
    assert.equal(await cache.find('a', load), 6, 'until the TTL passes');
    await assert.rejects(cache.find('b', () => Promise.reject(new Error('down'))));
  });
});
