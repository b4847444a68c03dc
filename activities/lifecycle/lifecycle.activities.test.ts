import assert from 'node:assert/strict';
import { Metrics } from '../../libs/metrics/metrics';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/activity';
import type { Connection, ConnectionTokens } from '../../libs/vault/connections.repository';
import { ResponseBodyError, type TokenSet } from '../../libs/oauth/oauth-client';
import { createLifecycleActivities, type LifecycleDeps } from './lifecycle.activities';

const NOW = new Date('2026-11-22T12:00:00Z');

/** In-memory stand-ins for the vault, Secrets Manager and the provider: the answers a real server rarely gives. */
function fakes(answers: (() => Promise<TokenSet>)[], lastOutcome?: string) {
  const rows = new Map<string, { connection: Connection; tokens: ConnectionTokens }>();
  const secretReads: boolean[] = [];
  const records: string[] = [];
  let calls = 0;
  const deps = {
    records: {
      refreshing: (id: string) => Promise.resolve(void records.push(`refreshing ${id}`)),
      refreshFailed: (id: string, failure: string) =>
        Promise.resolve(void records.push(`failed ${id} ${failure}`)),
      stored: (connection: Connection, flow: string, _expiresAt: Date, _at: Date, refresh?: string) =>
        Promise.resolve(void records.push(`stored ${connection.id} ${flow} ${refresh ?? 'first'}`)),
      ended: (id: string, state: string) => Promise.resolve(void records.push(`${state} ${id}`)),
      find: () => Promise.resolve(lastOutcome ? { lastRefreshOutcome: lastOutcome } : undefined),
    },
    connections: {
      read: (id: string) => Promise.resolve(rows.get(id)),
      save: (connection: Connection, tokens: ConnectionTokens) => {
        rows.set(connection.id, { connection, tokens });
        return Promise.resolve();
      },
      delete: (id: string) => Promise.resolve(void rows.delete(id)),
    },
    subjects: { read: () => Promise.resolve(undefined), delete: () => Promise.resolve() },
    providers: {
      find: (name: string) =>
        Promise.resolve({
          name,
          vendor: 'CustomOauth2',
          config: {},
          secret: { source: 'MANAGED', ref: { arn: 'arn', jsonKey: 'k' } },
          updatedAt: NOW,
          callbackId: 'cb',
        }),
    },
    secrets: {
      read: (_ref: unknown, options: { force?: boolean } = {}) => {
        secretReads.push(options.force ?? false);
        return Promise.resolve('secret');
      },
    },
    oauth: {
      refresh: () => {
        const answer = answers[calls] ?? answers.at(-1)!;
        calls += 1;
        return answer();
      },
      forget: () => undefined,
    },
    assumedLifetimeMs: 3_600_000,
    metrics: new Metrics({ role: 'worker' }),
    webhooks: {
      emit: (type: string, data: { connectionId?: string; reason?: string }) =>
        Promise.resolve(void records.push(`event ${type} ${data.connectionId} ${data.reason ?? ''}`.trim())),
    },
    audit: { record: () => Promise.resolve() },
    now: () => NOW,
  } as unknown as LifecycleDeps;
  rows.set('c1', {
    connection: { id: 'c1', workloadName: 'w', providerName: 'p', userHash: 'u', scopes: ['read'] },
    tokens: { accessToken: 'old-access', refreshToken: 'old-refresh' },
  });
  return { deps, rows, secretReads, records, calls: () => calls };
}

const refresh = (deps: LifecycleDeps) =>
  createLifecycleActivities(deps).refreshConnection({
    connectionId: 'c1',
    providerName: 'p',
    workloadName: 'w',
  });

const refused = (error: string, status: number) =>
  new ResponseBodyError('refused', {
    cause: { error },
    response: new Response(JSON.stringify({ error }), { status }),
  });

describe('refreshConnection', () => {
  it('announces a renewal after a failed one as a recovery', async () => {
    const { deps, records } = fakes([() => Promise.resolve({ accessToken: 'new-access' })], 'unavailable');
    await refresh(deps);
    assert.deepEqual(records.slice(-2), ['event connection.refreshed c1', 'event connection.recovered c1']);
  });

  it('keeps the old refresh token when the answer omits one, and assumes a lifetime without expires_in', async () => {
    const { deps, rows, records } = fakes([() => Promise.resolve({ accessToken: 'new-access' })]);
    const { expiresAt } = await refresh(deps);
    assert.deepEqual(records, [
      'refreshing c1',
      'stored c1 USER_FEDERATION renewal',
      'event connection.refreshed c1',
    ]);
    const stored = rows.get('c1')!;
    assert.equal(stored.tokens.accessToken, 'new-access');
    assert.equal(stored.tokens.refreshToken, 'old-refresh');
    assert.equal(expiresAt, new Date(NOW.getTime() + 3_600_000).toISOString());
  });

  it('stores a rotated refresh token with the new access token', async () => {
    const { deps, rows } = fakes([
      () => Promise.resolve({ accessToken: 'a2', refreshToken: 'r2', expiresIn: 60 }),
    ]);
    const { expiresAt } = await refresh(deps);
    assert.deepEqual(rows.get('c1')!.tokens, { accessToken: 'a2', refreshToken: 'r2' });
    assert.equal(expiresAt, new Date(NOW.getTime() + 60_000).toISOString());
  });

  it('re-reads the client secret once after invalid_client, then gives up with the code only', async () => {
    const { deps, secretReads, calls } = fakes([() => Promise.reject(refused('invalid_client', 401))]);
    await assert.rejects(refresh(deps), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'invalid_client');
      assert.equal(err.nonRetryable, true);
      return true;
    });
    assert.deepEqual(secretReads, [false, true], 'cached read, then a forced one');
    assert.equal(calls(), 2);
  });

  it('succeeds on the retry when the re-read secret is accepted', async () => {
    const { deps, rows } = fakes([
      () => Promise.reject(refused('invalid_client', 401)),
      () => Promise.resolve({ accessToken: 'after-rotation', expiresIn: 60 }),
    ]);
    await refresh(deps);
    assert.equal(rows.get('c1')!.tokens.accessToken, 'after-rotation');
  });

  it('types invalid_grant as permanent and leaves 5xx and network failures to Temporal retries', async () => {
    const refusedGrant = fakes([() => Promise.reject(refused('invalid_grant', 400))]);
    await assert.rejects(
      refresh(refusedGrant.deps),
      (err: unknown) => err instanceof ApplicationFailure && err.type === 'invalid_grant' && err.nonRetryable,
    );
    assert.deepEqual(refusedGrant.records, [
      'refreshing c1',
      'failed c1 invalid_grant',
      'event connection.refresh_failed c1 invalid_grant',
    ]);
    const outage = refused('temporarily_unavailable', 503);
    await assert.rejects(
      refresh(fakes([() => Promise.reject(outage)]).deps),
      (err: unknown) => err === outage,
    );
    const network = new TypeError('fetch failed');
    await assert.rejects(
      refresh(fakes([() => Promise.reject(network)]).deps),
      (err: unknown) => err === network,
    );
  });
});
