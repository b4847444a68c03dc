import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetWorkloadAccessTokenCommand } from '@aws-sdk/client-bedrock-agentcore';
import { ConnectionsRepository } from '../../libs/vault/connections.repository';
import { askToken, consentAs, expireStoredToken, registerAgentAndIdp } from '../helpers/consent-flow';
import type { TestIdp } from '../helpers/oidc-idp';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

const METRICS_TOKEN = 'metrics-scrape-token-3f1c9a7e52b4';

/** One scrape: every sample by its series, `name{labels}` with the labels in name order. */
type Samples = Map<string, number>;

function parseSamples(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    const key = line.slice(0, cut);
    const open = key.indexOf('{');
    const labels =
      open < 0
        ? {}
        : Object.fromEntries(
            [...key.slice(open + 1, -1).matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [
              m[1]!,
              m[2]!,
            ]),
          );
    samples.set(series(open < 0 ? key : key.slice(0, open), labels), Number(line.slice(cut + 1)));
  }
  return samples;
}

/** The series of `name` with exactly these labels, whatever order they are given or written in. */
function series(name: string, labels: Record<string, string>): string {
  const inner = Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, value]) => `${key}="${value}"`)
    .join(',');
  return `${name}{${inner}}`;
}

describe('metrics: /metrics in the Prometheus format, moved by exactly what happened', () => {
  let test: TestStack;
  let idp: TestIdp;
  let url: string;

  const scrapeText = async () => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return response.text();
  };
  const scrape = async () => parseSamples(await scrapeText());
  const moved = (before: Samples, after: Samples, key: string) =>
    (after.get(key) ?? 0) - (before.get(key) ?? 0);
  /** Waits for a counter the worker moves after the API has answered (an activity's last step). */
  const until = async (key: string, from: Samples, by: number) => {
    const deadline = Date.now() + 15_000;
    let now = await scrape();
    while (moved(from, now, key) < by && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      now = await scrape();
    }
    return now;
  };

  before(async () => {
    test = await startTestStack(
      await testStackEnv({
        MANDATE_ALLOW_PRIVATE_NETWORK_URLS: 'true',
        MANDATE_METRICS_TOKEN: METRICS_TOKEN,
      }),
    );
    idp = await registerAgentAndIdp(test);
    url = `${test.stack.apiUrl}/metrics`;
  });
  after(async () => {
    await test?.destroy();
    await idp?.stop();
  });

  it('refuses a scrape without the configured bearer token', async () => {
    const anonymous = await fetch(url);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer realm="metrics"');
    const wrong = await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN.slice(1)}x` } });
    assert.equal(wrong.status, 401);
    assert.doesNotMatch(await wrong.text(), /mandate_/);
  });

  it('counts a consent, a vault hit, a refresh and a refused call exactly, and never a secret', async () => {
    const on = { workload: 'agent', provider: 'idp' };
    const start = await scrape();

    // A consent: the first ask misses the vault and starts a session, the poll after it answers the token.
    const { wat, token, id } = await consentAs(test, idp, 'metrics-alice', ['read']);
    const consented = await until(
      series('mandate_consent_sessions_total', { event: 'completed', reason: '', ...on }),
      start,
      1,
    );
    assert.equal(
      moved(
        start,
        consented,
        series('mandate_consent_sessions_total', { event: 'started', reason: '', ...on }),
      ),
      1,
    );
    assert.equal(
      moved(
        start,
        consented,
        series('mandate_token_grants_total', { grant: 'authorization_code', outcome: 'Success', ...on }),
      ),
      1,
    );
    assert.equal(
      moved(
        start,
        consented,
        series('mandate_vault_reads_total', { flow: 'USER_FEDERATION', result: 'miss', ...on }),
      ),
      1,
    );
    assert.equal(
      moved(
        start,
        consented,
        series('mandate_requests_total', {
          operation: 'CompleteResourceTokenAuth',
          outcome: 'Success',
          workload: '',
          provider: '',
        }),
      ),
      1,
    );

    // A vault hit.
    assert.equal((await askToken(test, wat, ['read'])).accessToken, token);
    const hit = await scrape();
    assert.equal(
      moved(
        consented,
        hit,
        series('mandate_vault_reads_total', { flow: 'USER_FEDERATION', result: 'hit', ...on }),
      ),
      1,
    );
    assert.ok(
      moved(consented, hit, series('mandate_cache_lookups_total', { cache: 'connections', result: 'hit' })) +
        moved(
          consented,
          hit,
          series('mandate_cache_lookups_total', { cache: 'connections', result: 'miss' }),
        ) >=
        1,
      'the vault hit looked in the connections cache',
    );

    // A refresh: the stored token expired, the caller waits for its lifecycle to renew it.
    await expireStoredToken(test, id);
    const renewed = (await askToken(test, wat, ['read'])).accessToken!;
    assert.notEqual(renewed, token);
    const refreshed = await until(
      series('mandate_token_grants_total', { grant: 'refresh_token', outcome: 'Success', ...on }),
      hit,
      1,
    );
    assert.equal(
      moved(
        hit,
        refreshed,
        series('mandate_token_grants_total', { grant: 'refresh_token', outcome: 'Success', ...on }),
      ),
      1,
    );
    assert.equal(
      moved(
        hit,
        refreshed,
        series('mandate_idp_request_duration_seconds_count', {
          call: 'refresh_token',
          outcome: 'success',
          provider: 'idp',
        }),
      ),
      1,
    );
    assert.equal(moved(hit, refreshed, series('mandate_renewals_total', { result: 'sent' })), 1);
    assert.equal(
      moved(
        hit,
        refreshed,
        series('mandate_vault_reads_total', { flow: 'USER_FEDERATION', result: 'miss', ...on }),
      ),
      1,
    );

    // A refused call: a known access key with the wrong secret. Nobody authenticated: no workload label.
    const { accessKeyId } = test.adminCredentials();
    const forged = test.data({ accessKeyId, secretAccessKey: 'not-the-secret-0000000000000000000000' });
    await assert.rejects(forged.send(new GetWorkloadAccessTokenCommand({ workloadName: 'agent' })), {
      name: 'InvalidSignatureException',
    });
    const refused = await scrape();
    assert.equal(
      moved(
        refreshed,
        refused,
        series('mandate_requests_total', {
          operation: 'GetWorkloadAccessToken',
          outcome: 'InvalidSignatureException',
          workload: '',
          provider: '',
        }),
      ),
      1,
    );

    // Every GetResourceOauth2Token of this test: the ask that started the consent, its poll, the hit, the refresh.
    const asked = series('mandate_requests_total', {
      operation: 'GetResourceOauth2Token',
      outcome: 'Success',
      ...on,
    });
    assert.equal(moved(start, refused, asked), 4);
    assert.equal(
      moved(
        start,
        refused,
        series('mandate_request_duration_seconds_count', {
          operation: 'GetResourceOauth2Token',
          outcome: 'Success',
        }),
      ),
      4,
    );
    assert.ok(moved(start, refused, series('mandate_audit_events_total', { result: 'written' })) >= 6);
    assert.ok(
      (refused.get(series('process_cpu_user_seconds_total', {})) ?? 0) > 0,
      "Node's process metrics are there",
    );

    // Canaries: nothing secret of this test is anywhere in a scrape.
    const stored = (await new ConnectionsRepository(test.stack.runtime.db, test.stack.runtime.envelope).read(
      id,
    ))!;
    const text = await scrapeText();
    for (const secret of [
      token,
      renewed,
      wat,
      stored.tokens.refreshToken!,
      idp.clientSecret,
      test.adminCredentials().secretAccessKey,
      METRICS_TOKEN,
      'metrics-alice',
    ])
      assert.ok(!text.includes(secret), 'a secret or a user reached /metrics');
  });
});
