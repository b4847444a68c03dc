import { sql } from 'kysely';
import type { BenchEnvironment } from '../environment';
import { repeatLoad } from '../harness';
import { TOKEN_PATH, tokenRequest } from './hot-path';

/**
 * The hot path as the vault grows to sizes no lifecycle test can reach on one machine (100k, 1M):
 * the vault is filled in bulk by SQL (the hot path reads the connections table and never Temporal),
 * with rows the size of real ones (a copy of a real sealed value, which only its own id opens), and
 * the hot path is measured over 100 real users spread over the growth scenario's connections.
 * Answers one row per size, the first at the size it found (its own baseline, measured in the same
 * way): requests/s, p99, and the table's size.
 */
export async function vaultGrowth(
  env: BenchEnvironment,
  sizes: number[],
  realUsers: string[],
  load: { warmupMs: number; durationMs: number; repeats: number; concurrency: number },
) {
  const { runtime } = env.test.stack;
  const db = runtime.db;
  const wats = await Promise.all(
    realUsers.map((userId) =>
      runtime.workloadAccessTokens.mint({ workloadName: 'agent', user: { kind: 'userId', userId } }),
    ),
  );
  const rows = [];
  const count = async () =>
    Number((await sql<{ n: string }>`select count(*) as n from connections`.execute(db)).rows[0]!.n);
  for (const size of [await count(), ...sizes]) {
    const started = performance.now();
    let current = await count();
    // In chunks, so that one statement never holds a million rows in memory.
    while (current < size) {
      const chunk = Math.min(50_000, size - current);
      await sql`
        insert into connections (id, workload_name, provider_name, user_hash, scopes, tokens_sealed, kek_id, expires_at, updated_at)
        select 'filler-' || (${current} + n), 'agent', 'idp', 'filler-' || (${current} + n), '["read"]'::jsonb,
               sample.tokens_sealed, sample.kek_id, now() + interval '1 day', now()
        from generate_series(1, ${chunk}) as n,
             (select tokens_sealed, kek_id from connections where id not like 'filler-%' limit 1) as sample
        on conflict (id) do nothing`.execute(db);
      current = await count();
    }
    // What a bulk load leaves behind (the insert-triggered autovacuum of up to 900k new rows, the WAL
    // checkpoint) is done now, not while the hot path is measured: a vault that grows by use does that
    // work in small steps, and on two cores it would take a core from the measured API.
    await sql`vacuum (analyze) connections`.execute(db);
    await sql`checkpoint`.execute(db);
    const seedSeconds = (performance.now() - started) / 1000;
    const hot = await repeatLoad(
      async () => ({
        origin: env.apiUrl,
        requests: await Promise.all(wats.map((wat) => env.signed(TOKEN_PATH, tokenRequest(wat)))),
      }),
      load,
    );
    const table = await sql<{ bytes: string }>`select pg_total_relation_size('connections') as bytes`.execute(
      db,
    );
    rows.push({
      connections: current,
      seedSeconds,
      hotPath: hot,
      connectionsTableMb: Number(table.rows[0]!.bytes) / 1048576,
    });
  }
  return rows;
}
