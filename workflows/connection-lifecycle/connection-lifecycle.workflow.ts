import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { LifecycleActivities } from '../../activities/lifecycle/lifecycle.activities';
import type { Context } from '@opentelemetry/api';
import { STATE } from '../search-attributes';
import { requestContext, within } from '../trace-context';
import {
  lifecycleStatusQuery,
  refreshUpdate,
  revokeUpdate,
  tokensStoredSignal,
  endsConnection,
  renewalFailureOf,
  type ConnectionLifecycleInput,
  type LifecycleStatus,
  type RefreshRequest,
} from './definitions';

const { connectionExpiry, forgetConnection, revokeConnection } = proxyActivities<LifecycleActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});
// Transient failures (IdP down, 5xx) are retried with backoff; permanent ones arrive typed and are not.
const { refreshConnection } = proxyActivities<LifecycleActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    maximumAttempts: 8,
  },
});

/**
 * After a failed refresh round (retries exhausted, or a permanent refusal) renewals pause this long;
 * callers meanwhile get the failure at once, so a misconfigured provider sees no retry storm.
 */
const PAUSE_AFTER_FAILURE_MS = 60_000;

/**
 * When to refresh: `refreshSkewMs` (plus random jitter) before expiry, but never in the first half of
 * the remaining life, so short-lived tokens cannot cause a refresh loop. Workflow time and the
 * workflow's seeded random keep it deterministic on replay.
 */
function refreshDue(expiresAt: string | undefined, timing: ConnectionLifecycleInput['timing']): number {
  const now = Date.now();
  if (!expiresAt) return now + timing.assumedLifetimeMs;
  const expiry = Date.parse(expiresAt);
  const early = expiry - timing.refreshSkewMs - Math.random() * timing.refreshJitterMs;
  return Math.max(early, now + (expiry - now) / 2);
}

/**
 * The only writer of one connection: sleeps on a durable timer until shortly before the access token
 * expires, refreshes it, and serves on-demand refreshes through an Update that every concurrent caller
 * shares. `invalid_grant` means the user's consent is gone: the tokens are dropped and the next
 * request starts a new consent.
 */
export async function connectionLifecycleWorkflow(input: ConnectionLifecycleInput): Promise<LifecycleStatus> {
  const status: LifecycleStatus = { state: 'ACTIVE', cycles: input.cycles ?? 0, failures: 0 };
  let refreshWanted = false;
  /** The trace of the caller that asked for the next refresh (none for a timer's). */
  let askedIn: Context | undefined;
  let revokeWanted = false;
  let tokensStored = false;
  let cyclesThisRun = 0;

  // Operators filter on lasting states; REFRESHING lasts one activity and is visible in the query only,
  // which keeps each refresh cycle to a few history events.
  let published: LifecycleStatus['state'] = 'ACTIVE';
  const moveTo = (state: LifecycleStatus['state']) => {
    status.state = state;
    if (state === 'REFRESHING' || state === published) return;
    upsertSearchAttributes([{ key: STATE, value: state }]);
    published = state;
  };

  setHandler(lifecycleStatusQuery, () => status);
  setHandler(tokensStoredSignal, () => {
    tokensStored = true;
  });
  let refreshedTo: string | undefined;
  let pausedUntil = 0;
  setHandler(
    refreshUpdate,
    async (request: RefreshRequest) => {
      // A caller that looked before the last refresh finished gets that refresh, not another one,
      // as long as what it produced still lives.
      if (
        request.seenExpiresAt &&
        refreshedTo &&
        Date.parse(refreshedTo) > Date.parse(request.seenExpiresAt) &&
        Date.parse(refreshedTo) > Date.now()
      ) {
        return status;
      }
      // Paused after a failure: the caller learns of it now, and the provider is left alone.
      if (Date.now() < pausedUntil) return status;
      const { cycles, failures } = status;
      refreshWanted = true;
      // The first caller's trace follows the refresh; callers that join a running one do not.
      if (status.state !== 'REFRESHING') askedIn ??= requestContext();
      // Joins a refresh already under way, or waits for the one this request asked for. A failed
      // round answers too: the caller may still serve the old token while it is valid.
      await condition(
        () => status.cycles > cycles || status.failures > failures || status.state === 'NEEDS_CONSENT',
      );
      if (status.state === 'NEEDS_CONSENT') {
        throw ApplicationFailure.nonRetryable(
          'The connection needs the user to consent again',
          'needs_consent',
        );
      }
      return status;
    },
    {
      validator: (_request: RefreshRequest) => {
        if (status.state === 'NEEDS_CONSENT' || status.state === 'REVOKED')
          throw new Error('The connection is not active');
      },
    },
  );

  setHandler(revokeUpdate, async () => {
    revokeWanted = true;
    await condition(() => status.state === 'REVOKED');
    return status;
  });

  // The vault is read at the start and whenever tokens were stored from outside (a new consent);
  // after its own refresh the lifecycle knows the new expiry.
  let expiryKnown = false;
  for (;;) {
    if (revokeWanted) break;
    if (tokensStored) expiryKnown = false;
    tokensStored = false;
    if (!expiryKnown) {
      const { expiresAt, refreshable } = await connectionExpiry({
        connectionId: input.connectionId,
        grant: input.grant,
      });
      if (!refreshable) {
        moveTo('NEEDS_CONSENT');
        break;
      }
      if (expiresAt) status.expiresAt = expiresAt;
      else delete status.expiresAt;
      expiryKnown = true;
    }
    const due = refreshDue(status.expiresAt, input.timing);
    if (!refreshWanted) {
      await condition(() => refreshWanted || tokensStored || revokeWanted, Math.max(due - Date.now(), 0));
    }
    if (revokeWanted) break;
    if (tokensStored && !refreshWanted) continue;

    moveTo('REFRESHING');
    const tracedBy = askedIn;
    askedIn = undefined;
    try {
      const refreshed = await within(tracedBy, () =>
        refreshConnection({
          connectionId: input.connectionId,
          providerName: input.providerName,
          workloadName: input.workloadName,
          ...(input.userHash ? { userHash: input.userHash } : {}),
          grant: input.grant,
        }),
      );
      status.expiresAt = refreshed.expiresAt;
      refreshedTo = refreshed.expiresAt;
      status.cycles += 1;
      cyclesThisRun += 1;
      refreshWanted = false;
      delete status.lastFailure;
      moveTo('ACTIVE');
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : err;
      const failure = renewalFailureOf(cause instanceof ApplicationFailure ? cause.type : undefined);
      if (endsConnection(failure)) {
        await forgetConnection({ connectionId: input.connectionId, reason: failure });
        moveTo('NEEDS_CONSENT');
        break;
      }
      // Retries exhausted, or refused for good (e.g. invalid_client after the secret was re-read):
      // keep the tokens, pause, then try again on the timer or a caller's request; never a storm.
      status.failures += 1;
      status.lastFailure = failure;
      refreshWanted = false;
      moveTo('ACTIVE');
      pausedUntil = Date.now() + PAUSE_AFTER_FAILURE_MS;
      await condition(() => tokensStored || revokeWanted, PAUSE_AFTER_FAILURE_MS);
      expiryKnown = false;
    }
    if (cyclesThisRun >= input.timing.cyclesPerRun) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof connectionLifecycleWorkflow>({ ...input, cycles: status.cycles });
    }
  }
  // A revocation is honoured whatever state the loop ended in, so a revoked connection never lingers.
  if (revokeWanted) {
    await revokeConnection({ connectionId: input.connectionId, providerName: input.providerName });
    moveTo('REVOKED');
  }
  await condition(allHandlersFinished);
  return status;
}
