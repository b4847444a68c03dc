import assert from 'node:assert/strict';
import { Metrics } from '../../libs/metrics/metrics';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/activity';
import type { AuditEvent } from '../../libs/audit/audit-log';
import type { AuthSession, CallbackParameters, SessionSecrets } from '../../libs/consent/sessions.repository';
import { ResponseBodyError, type ProviderClient, type TokenSet } from '../../libs/oauth/oauth-client';
import type { Connection, ConnectionTokens } from '../../libs/vault/connections.repository';
import { storedFromTokenResponse } from '../../libs/vault/token-response';
import type {
  ConnectionLifecycleInput,
  LifecycleTiming,
} from '../../workflows/connection-lifecycle/definitions';
import { createConsentActivities, failureReason, type ConsentDeps } from './consent.activities';

const NOW = new Date('2026-11-22T12:00:00Z');
const CALLBACK_ID = '4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const TIMING: LifecycleTiming = {
  refreshSkewMs: 120_000,
  refreshJitterMs: 10_000,
  assumedLifetimeMs: 3_600_000,
  cyclesPerRun: 100,
};
const SESSION: AuthSession = {
  id: 's1',
  workloadName: 'crm-agent',
  providerName: 'crm',
  userHash: 'u2.alice',
  connectionId: 'c1',
  scopes: ['read', 'write'],
  returnUrl: 'https://agent.example.com/back',
  status: 'IN_PROGRESS',
  expiresAt: new Date(NOW.getTime() + 600_000),
};
const SECRETS: SessionSecrets = { codeVerifier: 'verifier-5b1e', customState: 'app-state-1' };
const CALLBACK: CallbackParameters = { query: 'code=the-code-77&state=the-state-42&iss=https%3A%2F%2Fidp' };
const ANSWER: TokenSet = {
  accessToken: 'access-3c9a',
  refreshToken: 'refresh-8d2f',
  idToken: 'id-4e7b',
  tokenType: 'Bearer',
  expiresIn: 3600,
  scope: 'read',
};

type Redemption = { provider: ProviderClient; redirect: string; checks: unknown };

/**
 * In-memory stand-ins for the sessions, the vault, the provider and Temporal; `answer` is what the
 * token endpoint gives for the code. (`@temporalio/testing`, with its MockActivityEnvironment, is not
 * installed: the activities take no Context, so they are called directly, as the lifecycle tests do.)
 */
function fakes(
  options: {
    session?: AuthSession;
    sealed?: { secrets: SessionSecrets; callback?: CallbackParameters };
    answer?: () => Promise<TokenSet>;
  } = {},
) {
  const events: string[] = [];
  const saved: { connection: Connection; tokens: ConnectionTokens; at: Date }[] = [];
  const finished: unknown[][] = [];
  const redemptions: Redemption[] = [];
  const lifecycles: ConnectionLifecycleInput[] = [];
  const audits: AuditEvent[] = [];
  const records: string[] = [];
  const emitted: string[] = [];
  const session = 'session' in options ? options.session : SESSION;
  const sealed = 'sealed' in options ? options.sealed : { secrets: SECRETS, callback: CALLBACK };
  const deps = {
    sessions: {
      find: (id: string) => Promise.resolve(id === session?.id ? session : undefined),
      secrets: (id: string) => Promise.resolve(id === session?.id ? sealed : undefined),
      finish: (...args: unknown[]) => {
        events.push('finish session');
        finished.push(args);
        return Promise.resolve();
      },
    },
    connections: {
      save: (connection: Connection, tokens: ConnectionTokens, at: Date) => {
        events.push('save tokens');
        saved.push({ connection, tokens, at });
        return Promise.resolve();
      },
    },
    providers: {
      find: (name: string) =>
        Promise.resolve({
          name,
          vendor: 'CustomOauth2',
          config: {},
          secret: { source: 'MANAGED', ref: { arn: 'arn', jsonKey: 'k' } },
          callbackId: CALLBACK_ID,
          tags: {},
          createdAt: NOW,
          updatedAt: NOW,
        }),
    },
    oauth: {
      redeemCode: (provider: ProviderClient, redirect: URL, checks: unknown) => {
        redemptions.push({ provider, redirect: redirect.href, checks });
        return (options.answer ?? (() => Promise.resolve(ANSWER)))();
      },
      forget: () => undefined,
    },
    readSecret: { read: () => Promise.resolve('client-secret-6a0d') },
    publicUrl: 'https://mandate.example.com',
    startLifecycle: (input: ConnectionLifecycleInput) => {
      events.push('start lifecycle');
      lifecycles.push(input);
      return Promise.resolve();
    },
    metrics: new Metrics({ role: 'worker' }),
    webhooks: {
      emit: (type: string, data: { connectionId?: string; reason?: string }) =>
        Promise.resolve(void emitted.push(`${type} ${data.connectionId} ${data.reason ?? ''}`.trim())),
    },
    records: {
      stored: (connection: Connection, flow: string, expiresAt?: Date) =>
        Promise.resolve(
          void records.push(`${connection.id} ${flow} ${expiresAt?.toISOString() ?? 'no expiry'}`),
        ),
    },
    timing: TIMING,
    audit: {
      record: (event: AuditEvent) => {
        events.push('audit');
        audits.push(event);
        return Promise.resolve();
      },
    },
    now: () => NOW,
  } as unknown as ConsentDeps;
  return {
    activities: createConsentActivities(deps),
    events,
    saved,
    finished,
    redemptions,
    lifecycles,
    audits,
    records,
    emitted,
  };
}

/** Every value a consent handles that must stay in the vault or the activity. */
const SECRET_VALUES = [
  ANSWER.accessToken,
  ANSWER.refreshToken!,
  ANSWER.idToken!,
  SECRETS.codeVerifier,
  SECRETS.customState!,
  'the-code-77',
  'the-state-42',
  'client-secret-6a0d',
];
const assertNoSecret = (value: unknown, what: string) => {
  const text = JSON.stringify(value);
  for (const secret of SECRET_VALUES) assert.ok(!text.includes(secret), `${what} holds no ${secret}`);
};

describe('redeemCode', () => {
  it("stores the tokens under the session's connection with the granted scopes and expiry, then completes the session", async () => {
    const { activities, saved, finished, events, redemptions, records } = fakes();
    const result = await activities.redeemCode({ sessionId: 's1' });
    assert.deepEqual(records, ['c1 USER_FEDERATION 2026-11-22T13:00:00.000Z']);

    const rule = storedFromTokenResponse(
      ANSWER,
      {
        id: 'c1',
        workloadName: 'crm-agent',
        providerName: 'crm',
        userHash: 'u2.alice',
        scopes: SESSION.scopes,
      },
      NOW,
    );
    assert.deepEqual(saved, [{ ...rule, at: NOW }]);
    assert.deepEqual(saved[0]?.connection, {
      id: 'c1',
      workloadName: 'crm-agent',
      providerName: 'crm',
      userHash: 'u2.alice',
      scopes: ['read'],
      expiresAt: new Date(NOW.getTime() + 3_600_000),
    });
    assert.deepEqual(saved[0]?.tokens, {
      accessToken: 'access-3c9a',
      refreshToken: 'refresh-8d2f',
      idToken: 'id-4e7b',
      tokenType: 'Bearer',
    });
    assert.deepEqual(finished, [['s1', 'COMPLETED']]);
    assert.deepEqual(events, ['save tokens', 'finish session'], 'servable before polls see COMPLETED');

    assert.deepEqual(result, { expiresAt: '2026-11-22T13:00:00.000Z' });
    assertNoSecret(result, 'the result');

    assert.equal(redemptions.length, 1);
    const [{ provider, redirect, checks }] = redemptions as [Redemption];
    assert.equal(provider.clientSecret, 'client-secret-6a0d');
    assert.equal(
      redirect,
      `https://mandate.example.com/identities/oauth2/callback/${CALLBACK_ID}?${CALLBACK.query}`,
    );
    assert.deepEqual(checks, { codeVerifier: 'verifier-5b1e', state: 'the-state-42' });
  });

  it('keeps the requested scopes when the answer names none, and answers no expiry without expires_in', async () => {
    const { activities, saved } = fakes({ answer: () => Promise.resolve({ accessToken: 'a' }) });
    assert.deepEqual(await activities.redeemCode({ sessionId: 's1' }), {});
    assert.deepEqual(saved[0]?.connection.scopes, ['read', 'write']);
    assert.equal(saved[0]?.connection.expiresAt, undefined);
  });

  it('checks the nonce when the session has one', async () => {
    const { activities, redemptions } = fakes({
      sealed: { secrets: { codeVerifier: 'v', nonce: 'nonce-1' }, callback: CALLBACK },
    });
    await activities.redeemCode({ sessionId: 's1' });
    assert.deepEqual(redemptions[0]?.checks, { codeVerifier: 'v', state: 'the-state-42', nonce: 'nonce-1' });
  });

  it('a session without a callback (or no session at all) is a non-retryable no_code failure', async () => {
    const noCode = (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure, String(err));
      assert.equal(err.type, 'no_code');
      assert.equal(err.nonRetryable, true);
      return true;
    };
    const noCallback = fakes({ sealed: { secrets: SECRETS } });
    await assert.rejects(noCallback.activities.redeemCode({ sessionId: 's1' }), noCode);
    const unknown = fakes({ session: undefined });
    await assert.rejects(unknown.activities.redeemCode({ sessionId: 's1' }), noCode);
    for (const run of [noCallback, unknown]) {
      assert.deepEqual(run.redemptions, []);
      assert.deepEqual(run.saved, []);
      assert.deepEqual(run.finished, []);
    }
  });

  it('a refused code is a non-retryable failure typed by its OAuth code, and nothing is stored', async () => {
    const refused = new ResponseBodyError('refused', {
      cause: { error: 'invalid_grant', error_description: 'code already used: the-code-77' },
      response: new Response(JSON.stringify({ error: 'invalid_grant' }), { status: 400 }),
    });
    const { activities, saved, finished } = fakes({ answer: () => Promise.reject(refused) });
    await assert.rejects(activities.redeemCode({ sessionId: 's1' }), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure, String(err));
      assert.equal(err.type, 'invalid_grant');
      assert.equal(err.nonRetryable, true);
      assertNoSecret(err.message, 'the failure message');
      return true;
    });
    assert.deepEqual(saved, []);
    assert.deepEqual(finished, []);
  });
});

describe('finishSession', () => {
  it("COMPLETED records the outcome, audits it without a token and hands the connection's references to its lifecycle", async () => {
    const { activities, finished, audits, lifecycles, events, emitted } = fakes();
    await activities.finishSession({ sessionId: 's1', status: 'COMPLETED' });
    assert.deepEqual(emitted, ['consent.completed c1', 'connection.created c1']);
    assert.deepEqual(finished, [['s1', 'COMPLETED', undefined]]);
    assert.deepEqual(lifecycles, [
      { connectionId: 'c1', workloadName: 'crm-agent', providerName: 'crm', timing: TIMING },
    ]);
    assert.deepEqual(audits, [
      {
        actor: 'mandate',
        operation: 'Consent.Finish',
        workloadName: 'crm-agent',
        resource: 'crm',
        userHash: 'u2.alice',
        outcome: 'Success',
      },
    ]);
    assertNoSecret(lifecycles, 'the lifecycle input');
    assertNoSecret(audits, 'the audit event');
    assert.deepEqual(events, ['finish session', 'audit', 'start lifecycle']);
  });

  it('FAILED records the failure and starts no lifecycle', async () => {
    const { activities, finished, audits, lifecycles, emitted } = fakes();
    await activities.finishSession({ sessionId: 's1', status: 'FAILED', failure: 'access_denied' });
    assert.deepEqual(emitted, ['consent.failed c1 failed']);
    assert.deepEqual(finished, [['s1', 'FAILED', 'access_denied']]);
    assert.equal(audits[0]?.outcome, 'access_denied');
    assert.deepEqual(lifecycles, []);
  });

  it('a session that is gone is finished without an audit event or a lifecycle', async () => {
    const { activities, audits, lifecycles } = fakes({ session: undefined });
    await activities.finishSession({ sessionId: 's1', status: 'COMPLETED' });
    assert.deepEqual(audits, []);
    assert.deepEqual(lifecycles, []);
  });
});

describe('failureReason', () => {
  it("counts a failed session under the OAuth error, 'expired', or 'failed'", () => {
    assert.equal(failureReason('the session expired'), 'expired');
    assert.equal(failureReason('authorization server answered access_denied'), 'access_denied');
    assert.equal(failureReason('code redemption failed: invalid_grant'), 'invalid_grant');
    assert.equal(failureReason('code redemption failed'), 'failed');
    assert.equal(failureReason(undefined), 'failed');
  });
});
