import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkflowUpdateFailedError, type Client, type WithStartWorkflowOperation } from '@temporalio/client';
import type { StoredConnection } from '../../../../libs/vault/connections.repository';
import { InternalServerException, ValidationException } from '../../../../libs/wire/errors';
import {
  OAUTH_REFUSALS,
  type LifecycleStatus,
  type LifecycleTiming,
  type RenewalFailure,
} from '../../../../workflows/connection-lifecycle/definitions';
import { awaitRenewal, providerFailure, Renewals, type RenewalTarget } from './renewals';

const TIMING: LifecycleTiming = {
  refreshSkewMs: 120_000,
  refreshJitterMs: 10_000,
  assumedLifetimeMs: 3_600_000,
  cyclesPerRun: 100,
};
const TARGET: RenewalTarget = {
  connectionId: 'c1',
  workloadName: 'crm-agent',
  providerName: 'crm',
  grant: { kind: 'client_credentials', scopes: ['read'] },
};
const ACTIVE: LifecycleStatus = { state: 'ACTIVE', cycles: 1, failures: 0 };

/** A promise with its resolve and reject, and whether it has settled. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const state = { settled: false };
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  }).finally(() => {
    state.settled = true;
  });
  // The tests await what they reject; this only keeps an unawaited one from failing the run.
  promise.catch(() => undefined);
  return { promise, resolve, reject, state };
}

type UpdateCall = {
  args: [{ seenExpiresAt?: string }];
  startWorkflowOperation: WithStartWorkflowOperation<never>;
};

/**
 * A Temporal client whose `executeUpdateWithStart` answers from `answers` in turn (the last one
 * repeats), and a vault whose fresh read answers `vault`.
 */
function fakes(answers: (() => Promise<LifecycleStatus>)[], vault?: StoredConnection) {
  const calls: UpdateCall[] = [];
  const freshReads: string[] = [];
  const temporal = {
    workflow: {
      executeUpdateWithStart: (_update: unknown, options: UpdateCall) => {
        const answer = answers[calls.length] ?? answers.at(-1)!;
        calls.push(options);
        return answer();
      },
    },
  } as unknown as Client;
  const connections = {
    readFresh: (id: string) => {
      freshReads.push(id);
      return Promise.resolve(vault);
    },
  };
  const renewals = new Renewals(temporal, connections, { taskQueue: 'mandate', timing: TIMING });
  return { renewals, calls, freshReads };
}

const inVault = (accessToken: string, expiresInMs: number): StoredConnection => ({
  connection: {
    id: 'c1',
    workloadName: 'crm-agent',
    providerName: 'crm',
    userHash: '',
    scopes: ['read'],
    obtainedAt: new Date(Date.now() - 1000),
    expiresAt: new Date(Date.now() + expiresInMs),
  },
  tokens: { accessToken },
});

describe('Renewals.request', () => {
  it('sends one refreshUpdate with start, naming the expiry the caller saw', async () => {
    const { renewals, calls } = fakes([() => Promise.resolve(ACTIVE)]);
    const seen = new Date('2026-12-02T12:00:00Z');
    assert.deepEqual(await renewals.request(TARGET, seen), ACTIVE);
    assert.equal(calls.length, 1);
    const [call] = calls as [UpdateCall];
    assert.deepEqual(call.args, [{ seenExpiresAt: '2026-12-02T12:00:00.000Z' }]);
    const start = call.startWorkflowOperation.options;
    assert.equal(start.workflowId, 'connection:c1');
    assert.equal(start.taskQueue, 'mandate');
    assert.equal(start.workflowIdConflictPolicy, 'USE_EXISTING');
    assert.deepEqual(start.args, [{ ...TARGET, timing: TIMING }]);
  });

  it('concurrent requests for one connection share one update; the next one after it sends again', async () => {
    const pending = deferred<LifecycleStatus>();
    const { renewals, calls } = fakes([() => pending.promise, () => Promise.resolve(ACTIVE)]);
    const first = renewals.request(TARGET, new Date(0));
    const second = renewals.request(TARGET, new Date(0));
    assert.equal(first, second);
    assert.equal(calls.length, 1);
    const other = renewals.request({ ...TARGET, connectionId: 'c2' }, new Date(0));
    assert.equal(calls.length, 2, 'another connection has its own');
    pending.resolve({ ...ACTIVE, cycles: 7 });
    assert.deepEqual(await Promise.all([first, second]), [
      { ...ACTIVE, cycles: 7 },
      { ...ACTIVE, cycles: 7 },
    ]);
    await other;
    await renewals.request(TARGET, new Date(0));
    assert.equal(calls.length, 3);
  });

  it("answers undefined at once, without a retry, when the lifecycle's update failed", async () => {
    const refused = new WorkflowUpdateFailedError('Workflow Update failed', new Error('needs consent'));
    const { renewals, calls } = fakes([() => Promise.reject(refused)]);
    const started = performance.now();
    assert.equal(await renewals.request(TARGET, new Date(0)), undefined);
    assert.ok(performance.now() - started < 90, 'no backoff (the first is 100 ms)');
    assert.equal(calls.length, 1);
  });

  it('sends again with backoff when Temporal could not take the request', async () => {
    const { renewals, calls } = fakes([
      () => Promise.reject(new Error('14 UNAVAILABLE: connection refused')),
      () => Promise.resolve(ACTIVE),
    ]);
    const started = performance.now();
    assert.deepEqual(await renewals.request(TARGET, new Date(0)), ACTIVE);
    assert.equal(calls.length, 2);
    assert.ok(performance.now() - started >= 90, 'waited before sending again');
  });
});

describe('Renewals.renewAndRead', () => {
  it("answers the vault's unexpired token after the renewal, read fresh", async () => {
    const { renewals, calls, freshReads } = fakes(
      [() => Promise.resolve(ACTIVE)],
      inVault('renewed-access', 3_600_000),
    );
    assert.deepEqual(await renewals.renewAndRead(TARGET, undefined), { accessToken: 'renewed-access' });
    assert.deepEqual(freshReads, ['c1']);
    assert.deepEqual(calls[0]?.args, [{ seenExpiresAt: new Date(0).toISOString() }], 'a miss saw the epoch');
  });

  it("answers the lifecycle's last failure when the vault has nothing valid", async () => {
    const failing = { ...ACTIVE, failures: 1, lastFailure: 'invalid_client' as const };
    const expired = fakes([() => Promise.resolve(failing)], inVault('expired-access', -1000));
    assert.deepEqual(await expired.renewals.renewAndRead(TARGET, new Date(Date.now() - 1000)), {
      failure: 'invalid_client',
    });
    const empty = fakes([() => Promise.resolve(failing)]);
    assert.deepEqual(await empty.renewals.renewAndRead(TARGET, undefined), { failure: 'invalid_client' });
  });

  it('answers nothing when the vault has nothing valid and the lifecycle names no failure', async () => {
    assert.deepEqual(
      await fakes([() => Promise.resolve(ACTIVE)]).renewals.renewAndRead(TARGET, undefined),
      {},
    );
    const refused = new WorkflowUpdateFailedError('Workflow Update failed', undefined);
    assert.deepEqual(
      await fakes([() => Promise.reject(refused)]).renewals.renewAndRead(TARGET, undefined),
      {},
    );
  });

  it('serves the still-valid token it was asked about when the renewal is slow', async () => {
    const slow = deferred<LifecycleStatus>();
    const current = inVault('current-access', 200);
    const { renewals } = fakes([() => slow.promise], current);
    const started = performance.now();
    assert.deepEqual(await renewals.renewAndRead(TARGET, current.connection.expiresAt), {
      accessToken: 'current-access',
    });
    assert.ok(performance.now() - started < 190, 'before the token expires (it waits half its 200 ms)');
    assert.equal(slow.state.settled, false);
    slow.resolve(ACTIVE);
  });
});

describe('awaitRenewal', () => {
  it('gives up after at most half the remaining life of a still-valid token', async () => {
    const slow = deferred<LifecycleStatus>();
    const started = performance.now();
    const outcome = await awaitRenewal(slow.promise, new Date(Date.now() + 200));
    const waited = performance.now() - started;
    assert.equal(outcome, undefined);
    assert.equal(slow.state.settled, false, 'returned before the renewal settled');
    assert.ok(waited >= 80 && waited < 190, `waited ${waited} ms for a token with 200 ms left`);
    slow.resolve(ACTIVE);
  });

  it('answers the renewal when it comes first', async () => {
    assert.deepEqual(await awaitRenewal(Promise.resolve(ACTIVE), new Date(Date.now() + 60_000)), ACTIVE);
  });

  it('waits for the renewal itself when there is no valid token to fall back on', async () => {
    for (const expiry of [undefined, new Date(Date.now() - 1000)]) {
      const renewal = new Promise<LifecycleStatus>((resolve) => setTimeout(() => resolve(ACTIVE), 30));
      assert.deepEqual(await awaitRenewal(renewal, expiry), ACTIVE, String(expiry));
    }
  });
});

describe('providerFailure', () => {
  it('an unreachable provider is an InternalServerException, which callers retry', () => {
    const err = providerFailure('crm', 'unavailable');
    assert.ok(err instanceof InternalServerException);
    assert.equal(
      err.message,
      'The token endpoint of credential provider crm could not be reached; try again later',
    );
  });

  it('any other failure is a ValidationException on resourceCredentialProviderName naming the code', () => {
    const others: RenewalFailure[] = [
      ...OAUTH_REFUSALS,
      'subject_expired',
      'provider_deleted',
      'provider_changed',
    ];
    for (const failure of others) {
      const err = providerFailure('crm', failure);
      assert.ok(err instanceof ValidationException, failure);
      assert.deepEqual(err.fieldList, [
        {
          name: 'resourceCredentialProviderName',
          message: `the token endpoint of credential provider crm refused the request: ${failure}`,
        },
      ]);
    }
  });
});
