import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startBenchEnvironment } from './environment';
import { evaluateGoals } from './goals';
import { fmt, machine, type Figure } from './harness';
import { findTool } from '../libs/local-stack/tools';
import { clusterRun } from './scenarios/cluster';
import { consent } from './scenarios/consent';
import { growth } from './scenarios/growth';
import { vaultGrowth } from './scenarios/vault-growth';
import { hotPath } from './scenarios/hot-path';
import { microBenchmarks } from './scenarios/micro';
import { refreshAtScale } from './scenarios/refresh';
import { watOverHttp } from './scenarios/wat';

/**
 * `npm run bench`: starts what it measures (PostgreSQL, Temporal dev server, local AWS, API, worker
 * process, oidc-provider), runs every scenario with warm-up and repeats, prints a table, and writes
 * the figures to `bench-results.json`. `--quick` for a short smoke run; `--with-100k` adds a
 * 100,000-connection step to the growth scenario.
 */
async function main() {
  // The baseline worker of the consent scenario runs in this process; its progress is not the output.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const quick = process.argv.includes('--quick');
  const load = quick
    ? { warmupMs: 500, durationMs: 1500, repeats: 2 }
    : { warmupMs: 1500, durationMs: 5000, repeats: 3 };
  const sizes = quick
    ? [200, 1000]
    : [1000, 10_000, ...(process.argv.includes('--with-100k') ? [100_000] : [])];
  const out = (line = '') => process.stdout.write(`${line}\n`);
  const results: Record<string, unknown> = { machine: machine(), quick, load };
  out(`Mandate benchmarks: ${JSON.stringify(results.machine)}`);

  const micro = await microBenchmarks();
  results.micro = micro;
  const env = await startBenchEnvironment();
  try {
    out('running: hot path');
    const hot = await hotPath(env, { ...load, concurrencies: [10, 50] });
    results.hotPath = hot;
    out('running: WAT over HTTP');
    const wat = await watOverHttp(env, { ...load, concurrency: 10 });
    results.watOverHttp = wat;
    out('running: consent');
    const consentResult = await consent(env, quick ? 8 : 25);
    results.consent = consentResult;
    out('running: refresh at scale');
    const refresh = await refreshAtScale(env, quick ? 100 : 500, quick ? 10_000 : 30_000);
    results.refreshAtScale = refresh;
    out('running: growth');
    const grown = await growth(env, sizes, { ...load, concurrency: 10 });
    results.growth = grown;
    out('running: vault growth');
    const vault = await vaultGrowth(
      env,
      quick ? [10_000, 100_000] : [100_000, 1_000_000],
      Array.from({ length: 100 }, (_v, k) => `grown-${Math.floor((k * sizes.at(-1)!) / 100)}`),
      { ...load, concurrency: 10 },
    );
    results.vaultGrowth = vault;

    out();
    out('## In-process (one core): µs per operation, median of 7 rounds (min..max)');
    out('| operation | µs/op | ops/s |');
    out('|---|---|---|');
    for (const r of micro)
      out(
        `| ${r.name} | ${r.medianUs.toFixed(1)} (${r.minUs.toFixed(1)}..${r.maxUs.toFixed(1)}) | ${Math.round(r.opsPerSecond)} |`,
      );
    out();
    out(
      `## Hot path: GetResourceOauth2Token from the vault, SigV4-signed; median (min..max) of ${load.repeats} runs of ${load.durationMs / 1000} s`,
    );
    out('| concurrency | endpoint | requests/s | p50 ms | p99 ms | server CPU µs/request |');
    out('|---|---|---|---|---|---|');
    for (const row of hot.rows) {
      for (const [name, r] of [
        ['Mandate', row.mandate],
        ['bare node:http', row.bareNodeHttp],
        ['bare Fastify', row.bareFastify],
      ] as const)
        out(
          `| ${row.concurrency} | ${name} | ${fmt(r.rps)} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ${r.serverCpuMicrosPerRequest ? fmt(r.serverCpuMicrosPerRequest) : ''} |`,
        );
      out(
        `| ${row.concurrency} | **Mandate / node:http** | **${row.ratioToNodeHttp.toFixed(2)}** | Mandate / Fastify ${row.ratioToFastify.toFixed(2)} | | |`,
      );
      if (row.mandateWithPolicyEngine) {
        const r = row.mandateWithPolicyEngine;
        out(
          `| ${row.concurrency} | Mandate, ten-policy engine on the vault | ${fmt(r.rps)} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | |`,
        );
        out(
          `| ${row.concurrency} | **with engine / node:http** | **${row.ratioWithPolicyEngineToNodeHttp!.toFixed(2)}** | | | |`,
        );
      }
    }
    out();
    out('## Workload access tokens over HTTP (concurrency 10)');
    out('| operation | requests/s | p50 ms | p99 ms |');
    out('|---|---|---|---|');
    out(
      `| GetWorkloadAccessTokenForJWT (JWT verify + mint) | ${fmt(wat.mintForJwt.rps)} | ${fmt(wat.mintForJwt.p50Ms, 2)} | ${fmt(wat.mintForJwt.p99Ms, 2)} |`,
    );
    out(
      `| GetResourceApiKey (WAT verify, cached secret) | ${fmt(wat.verifyViaGetResourceApiKey.rps)} | ${fmt(wat.verifyViaGetResourceApiKey.p50Ms, 2)} | ${fmt(wat.verifyViaGetResourceApiKey.p99Ms, 2)} |`,
    );
    out(
      `| GetWorkloadAccessTokenForUserId (mint) | ${fmt(wat.mintForUserId.rps)} | ${fmt(wat.mintForUserId.p50Ms, 2)} | ${fmt(wat.mintForUserId.p99Ms, 2)} |`,
    );
    out();
    const c = consentResult;
    out(`## Consent: CompleteResourceTokenAuth → token available (n=${c.completion.n})`);
    out('| measure | p50 ms | p99 ms | min..max ms |');
    out('|---|---|---|---|');
    out(
      `| consent completion | ${c.completion.p50Ms.toFixed(1)} | ${c.completion.p99Ms.toFixed(1)} | ${c.completion.minMs.toFixed(1)}..${c.completion.maxMs.toFixed(1)} |`,
    );
    out(
      `| empty workflow round trip | ${c.emptyWorkflow.p50Ms.toFixed(1)} | ${c.emptyWorkflow.p99Ms.toFixed(1)} | ${c.emptyWorkflow.minMs.toFixed(1)}..${c.emptyWorkflow.maxMs.toFixed(1)} |`,
    );
    out(`| ratio (p50) | ${c.ratio.toFixed(2)} | | |`);
    out();
    out(
      `## Refresh at scale: ${refresh.connections} lifecycles, 20 s tokens, ${refresh.windowSeconds.toFixed(0)} s window`,
    );
    out('| refreshes/s | expected/s | worker RSS MB | history events/refresh | history bytes/refresh |');
    out('|---|---|---|---|---|');
    out(
      `| ${refresh.refreshesPerSecond.toFixed(1)} | ${refresh.expectedPerSecond.toFixed(1)} | ${refresh.workerRssMb.toFixed(0)} | ${refresh.historyEventsPerRefresh.toFixed(1)} | ${refresh.historyBytesPerRefresh.toFixed(0)} |`,
    );
    out();
    out('## Growth: stored connections, each with a sleeping lifecycle');
    out(
      '| connections | hot path requests/s (c=10) | p99 ms | worker RSS MB | database MB | connections table MB | seeding s |',
    );
    out('|---|---|---|---|---|---|---|');
    for (const g of grown)
      out(
        `| ${g.connections} | ${fmt(g.hotPath.rps)} | ${fmt(g.hotPath.p99Ms, 2)} | ${g.workerRssMb.toFixed(0)} | ${g.databaseMb.toFixed(1)} | ${g.connectionsTableMb.toFixed(1)} | ${g.seedSeconds.toFixed(0)} |`,
      );
    out();
    out('## Vault growth: connections added in bulk (no lifecycles), hot path over 100 real users');
    out('| connections | hot path requests/s (c=10) | p99 ms | connections table MB | seeding s |');
    out('|---|---|---|---|---|');
    for (const g of vault)
      out(
        `| ${g.connections} | ${fmt(g.hotPath.rps)} | ${fmt(g.hotPath.p99Ms, 2)} | ${g.connectionsTableMb.toFixed(1)} | ${g.seedSeconds.toFixed(0)} |`,
      );
    const goals = evaluateGoals({ micro, hot, wat, consent: consentResult, refresh, growth: grown, vault });
    results.goals = goals;
    out();
    out('## Goals (issue 13), ratios against baselines of this run');
    out('| figure | measured | goal | |');
    out('|---|---|---|---|');
    for (const g of goals)
      out(`| ${g.figure} | ${g.measured} | ${g.goal} | ${g.met ? 'met' : '**not met**'} |`);
  } finally {
    await env.stop();
  }
  await clusterFigures(results, { quick, load, out });
  const file = resolve('bench-results.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  out();
  out(`figures written to ${file}`);
}

/**
 * The production topology's run (the Temporal server on PostgreSQL, three API replicas, two
 * workers), next to the dev server's figures; skipped, and said so, without `npm run setup:cluster`.
 */
async function clusterFigures(
  results: Record<string, unknown>,
  options: {
    quick: boolean;
    load: { warmupMs: number; durationMs: number; repeats: number };
    out: (line?: string) => void;
  },
) {
  const { out, quick } = options;
  out();
  if (!findTool('temporal-server') || !findTool('temporal-sql-tool')) {
    out('## Cluster: skipped (the Temporal server is not installed: run `npm run setup:cluster`)');
    results.cluster = { skipped: 'npm run setup:cluster was not run' };
    return;
  }
  out('running: cluster (Temporal server on PostgreSQL, three API replicas, two workers)');
  const cluster = await clusterRun({
    load: options.load,
    concurrency: 50,
    consents: quick ? 8 : 25,
    refresh: { connections: quick ? 100 : 500, windowMs: quick ? 10_000 : 30_000 },
  });
  results.cluster = cluster;
  const dev = results as {
    hotPath: { rows: { concurrency: number; mandate: { rps: Figure; p99Ms: Figure } }[] };
    consent: { completion: { p50Ms: number }; ratio: number };
    refreshAtScale: { refreshesPerSecond: number; expectedPerSecond: number };
  };
  const devHot = dev.hotPath.rows.find((row) => row.concurrency === 50)!;
  out('## Cluster next to the dev server');
  out('| figure | dev server, one API replica | cluster, three API replicas |');
  out('|---|---|---|');
  out(
    `| hot path requests/s (c=50; cluster: ${cluster.hotPath.concurrency} over three replicas) | ${fmt(devHot.mandate.rps)} | ${fmt(cluster.hotPath.rps)} |`,
  );
  out(`| hot path p99 ms | ${fmt(devHot.mandate.p99Ms, 2)} | ${fmt(cluster.hotPath.p99Ms, 2)} |`);
  out(
    `| consent completion p50 ms (ratio to an empty workflow) | ${dev.consent.completion.p50Ms.toFixed(1)} (${dev.consent.ratio.toFixed(2)}) | ${cluster.consent.completion.p50Ms.toFixed(1)} (${cluster.consent.ratio.toFixed(2)}) |`,
  );
  out(
    `| refreshes/s (expected) | ${dev.refreshAtScale.refreshesPerSecond.toFixed(1)} (${dev.refreshAtScale.expectedPerSecond.toFixed(1)}) | ${cluster.refresh.refreshesPerSecond.toFixed(1)} (${cluster.refresh.expectedPerSecond.toFixed(1)}) |`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
