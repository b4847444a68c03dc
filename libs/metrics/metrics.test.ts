import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { serveMetrics } from './metrics-server';
import { Metrics, scrapeAllowed } from './metrics';

/** The value of one sample line, found by its metric name and a label fragment. */
function sample(text: string, name: string, fragment: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(fragment));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('Metrics', () => {
  it('counts by the given dimensions and gives a label no more than 500 distinct values', async () => {
    const metrics = new Metrics({ role: 'api' });
    for (let i = 0; i < 510; i += 1)
      metrics.vaultRead('M2M', true, { workload: `agent-${i}`, provider: 'github' });
    metrics.vaultRead('M2M', false, { workload: 'agent-1', provider: 'github' });
    const text = await metrics.scrape();
    assert.equal(sample(text, 'mandate_vault_reads_total', 'workload="agent-499"'), 1);
    assert.equal(sample(text, 'mandate_vault_reads_total', 'workload="agent-500"'), undefined);
    assert.equal(sample(text, 'mandate_vault_reads_total', 'result="hit",workload="_other"'), 10);
    assert.equal(sample(text, 'mandate_vault_reads_total', 'result="miss",workload="agent-1"'), 1);
    assert.equal(sample(text, 'mandate_process_info', 'role="api"'), 1);
  });

  it('counts cache lookups between scrapes once each, per cache and result', async () => {
    const metrics = new Metrics({ role: 'api' });
    const connections = metrics.cacheObserver('connections');
    const sessions = metrics.cacheObserver('sessions');
    connections(true);
    connections(true);
    connections(false);
    sessions(true);
    let text = await metrics.scrape();
    assert.equal(sample(text, 'mandate_cache_lookups_total', 'cache="connections",result="hit"'), 2);
    assert.equal(sample(text, 'mandate_cache_lookups_total', 'cache="connections",result="miss"'), 1);
    assert.equal(sample(text, 'mandate_cache_lookups_total', 'cache="sessions",result="hit"'), 1);
    connections(true);
    text = await metrics.scrape();
    assert.equal(sample(text, 'mandate_cache_lookups_total', 'cache="connections",result="hit"'), 3);
    assert.equal(sample(text, 'mandate_cache_lookups_total', 'cache="connections",result="miss"'), 1);
  });

  it("times an authorization server call by outcome and passes the call's error through", async () => {
    const metrics = new Metrics({ role: 'worker' });
    assert.equal(await metrics.timeIdpCall('google', 'refresh_token', () => Promise.resolve(7)), 7);
    await assert.rejects(
      metrics.timeIdpCall('google', 'refresh_token', () => Promise.reject(new Error('invalid_grant'))),
      /invalid_grant/,
    );
    const text = await metrics.scrape();
    const count = (outcome: string) =>
      sample(text, 'mandate_idp_request_duration_seconds_count', `provider="google",outcome="${outcome}"`);
    assert.equal(count('success'), 1);
    assert.equal(count('error'), 1);
  });
});

describe('scrapeAllowed', () => {
  it('lets anyone scrape without a token, and with one only its exact bearer', () => {
    assert.equal(scrapeAllowed(undefined, undefined), true);
    const token = 'metrics-token-0123456789abcdef';
    assert.equal(scrapeAllowed(token, `Bearer ${token}`), true);
    assert.equal(scrapeAllowed(token, undefined), false);
    assert.equal(scrapeAllowed(token, `Bearer ${token}x`), false);
    assert.equal(scrapeAllowed(token, `bearer ${token}`), false);
  });
});

describe('serveMetrics', () => {
  it('serves GET /metrics to the bearer of the token, 401 to others and 404 elsewhere', async () => {
    const metrics = new Metrics({ role: 'worker' });
    metrics.secretRotated();
    const token = 'metrics-token-0123456789abcdef';
    const server = await serveMetrics(metrics, { host: '127.0.0.1', port: 0, token });
    try {
      const refused = await fetch(server.url);
      assert.equal(refused.status, 401);
      assert.equal(refused.headers.get('www-authenticate'), 'Bearer realm="metrics"');
      assert.doesNotMatch(await refused.text(), /mandate_/);

      const scraped = await fetch(server.url, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(scraped.status, 200);
      assert.match(scraped.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      assert.match(await scraped.text(), /^mandate_secret_rotations_total 1$/m);

      const elsewhere = await fetch(server.url.replace('/metrics', '/health'), {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(elsewhere.status, 404);
    } finally {
      await server.close();
    }
  });
});

describe('the Grafana dashboard (ops/grafana/mandate.json)', () => {
  it('queries only metrics a process serves', async () => {
    const dashboard = readFileSync(join(__dirname, '../../ops/grafana/mandate.json'), 'utf8');
    const queried = new Set(
      [...dashboard.matchAll(/\b(?:mandate|process|nodejs)_[a-z0-9_]+/g)].map(([name]) =>
        name.replace(/_(bucket|count|sum)$/, ''),
      ),
    );
    const served = new Set(
      (await new Metrics({ role: 'api', processMetrics: true }).registry.getMetricsAsJSON()).map(
        (m) => m.name,
      ),
    );
    assert.ok(queried.size >= 10, `the dashboard queries ${queried.size} metrics`);
    for (const name of queried) assert.ok(served.has(name), `${name} is queried but not served`);
  });
});
