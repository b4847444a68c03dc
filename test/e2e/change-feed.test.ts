import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { PostgresChangeFeed } from '../../libs/cache/change-feed';
import { TtlCache } from '../../libs/cache/ttl-cache';
import { createLogger } from '../../libs/logging/logger';
import { startPostgres, type TestPostgres } from '../helpers/postgres';

const eventually = async (check: () => boolean, ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return check();
};

/** Two processes' feeds on one real PostgreSQL: a change in one drops the other's cached copy. */
describe('the change feed (LISTEN/NOTIFY) between processes on one PostgreSQL', () => {
  let postgres: TestPostgres;
  let sender: Client;
  const feeds: PostgresChangeFeed[] = [];
  const log = createLogger('silent');

  before(async () => {
    postgres = await startPostgres();
    sender = new Client({ connectionString: postgres.url });
    await sender.connect();
  });
  after(async () => {
    for (const feed of feeds) await feed.close();
    await sender?.end();
    await postgres?.stop();
  });

  const feed = async () => {
    const started = await PostgresChangeFeed.start(
      postgres.url,
      (channel, payload) => sender.query('select pg_notify($1, $2)', [channel, payload]),
      log,
    );
    feeds.push(started);
    return started;
  };

  it("drops another process's cached value on a delete, not its own twice", async () => {
    const [a, b] = [await feed(), await feed()];
    const cacheOf = (f: PostgresChangeFeed) => {
      const cache = new TtlCache<string, string>({
        ttlMs: 60_000,
        maxEntries: 10,
        deleted: (key) => f.publish('connections', key),
      });
      f.subscribe('connections', (key) => cache.evict(key));
      return cache;
    };
    const [inA, inB] = [cacheOf(a), cacheOf(b)];
    let loads = 0;
    const load = () => Promise.resolve(`v${(loads += 1)}`);
    await inA.get('c1', load);
    assert.equal(await inB.get('c1', load), 'v2');
    const heardByA: string[] = [];
    const heardByB: string[] = [];
    a.subscribe('connections', (key) => heardByA.push(key));
    b.subscribe('connections', (key) => heardByB.push(key));

    inA.delete('c1');
    assert.ok(await eventually(() => heardByB.includes('c1'), 2000), 'B heard of the change');
    assert.deepEqual(heardByA, [], 'a process does not hear its own changes');
    assert.equal(await inB.get('c1', load), 'v3', 'B reloaded after A changed it');
  });

  it('reconnects after its connection is killed and drops everything it may have missed', async () => {
    const f = await feed();
    let missed = 0;
    f.onMissed(() => (missed += 1));
    const heard: string[] = [];
    f.subscribe('principals', (key) => heard.push(key));
    await sender.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where query = 'LISTEN mandate_changes'`,
    );
    assert.ok(await eventually(() => missed === 1, 10_000), 'told that changes may have been missed');
    const other = await feed();
    other.publish('principals', 'AKIA-after-reconnect');
    assert.ok(await eventually(() => heard.includes('AKIA-after-reconnect'), 2000), 'listening again');
  });
});
