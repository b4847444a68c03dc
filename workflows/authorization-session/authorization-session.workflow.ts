import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { ConsentActivities } from '../../activities/consent/consent.activities';
import { STATE } from '../search-attributes';
import {
  callbackSignal,
  completeUpdate,
  sessionStatusQuery,
  type AuthorizationSessionInput,
  type CompletionRequest,
  type SessionState,
  type SessionStatus,
} from './definitions';
import type { Context } from '@opentelemetry/api';
import { requestContext, within } from '../trace-context';

// A local activity: the user and the app wait on it, and running it inside the workflow task saves
// two round trips to the server (its result is recorded as a marker).
const { redeemCode } = proxyLocalActivities<ConsentActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 5 },
});
const { finishSession } = proxyActivities<ConsentActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * One user consent: wait for the authorization server's callback, then for the app to complete the
 * session as the same user (checked in the update validator, so a refused attempt leaves no trace in
 * history), then redeem the code and store the tokens. Anything left undone after `ttlMs` fails.
 */
export async function authorizationSessionWorkflow(input: AuthorizationSessionInput): Promise<SessionStatus> {
  const status: SessionStatus = { state: 'AWAITING_CALLBACK' };
  let completionRequested = false;
  /** The completing request's trace: the code redemption it waits for belongs to it. */
  let completedIn: Context | undefined;

  const moveTo = (state: SessionState, failure?: string) => {
    status.state = state;
    if (failure) status.failure = failure;
    upsertSearchAttributes([{ key: STATE, value: state }]);
  };

  setHandler(sessionStatusQuery, () => status);
  setHandler(callbackSignal, (outcome) => {
    if (status.state !== 'AWAITING_CALLBACK') return;
    if (outcome.kind === 'error') moveTo('FAILED', `authorization server answered ${outcome.error}`);
    else moveTo('AWAITING_COMPLETION');
  });
  setHandler(
    completeUpdate,
    async () => {
      completionRequested = true;
      completedIn = requestContext();
      await condition(() => status.state === 'COMPLETED' || status.state === 'FAILED');
      if (status.state === 'FAILED') {
        throw ApplicationFailure.nonRetryable(status.failure ?? 'session failed', 'SessionFailed');
      }
      return status;
    },
    {
      validator: (request: CompletionRequest) => {
        // The app may call right after the browser's redirect, before the callback signal is
        // processed: a completion then waits for it (within the session's time) instead of failing.
        const live = status.state === 'AWAITING_CALLBACK' || status.state === 'AWAITING_COMPLETION';
        if (!live || completionRequested) throw new Error('The session is not awaiting completion');
        if (request.userHash !== input.userHash) throw new Error('The session was started by another user');
      },
    },
  );

  // No state change here: the callback signal may have been handled already, in this very activation
  // (the API sets the initial search attribute when it starts the workflow).
  const inTime = await condition(
    () => (completionRequested && status.state === 'AWAITING_COMPLETION') || status.state === 'FAILED',
    input.ttlMs,
  );
  let outcome: { state: 'COMPLETED' | 'FAILED'; failure?: string } = {
    state: 'FAILED',
    failure: status.failure,
  };
  if (!inTime) {
    outcome = { state: 'FAILED', failure: 'the session expired' };
  } else if (completionRequested) {
    moveTo('REDEEMING');
    try {
      await within(completedIn, () => redeemCode({ sessionId: input.sessionId }));
      outcome = { state: 'COMPLETED' };
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : err;
      const type = cause instanceof ApplicationFailure ? cause.type : undefined;
      outcome = {
        state: 'FAILED',
        failure: type ? `code redemption failed: ${type}` : 'code redemption failed',
      };
    }
  }
  // A completed session is servable once redeemCode returns (it marks the session), so it is
  // announced before the hand-off to the connection's lifecycle; a failure is recorded first.
  if (outcome.state === 'COMPLETED') moveTo('COMPLETED');
  await finishSession({
    sessionId: input.sessionId,
    status: outcome.state,
    ...(outcome.failure ? { failure: outcome.failure } : {}),
  });
  if (outcome.state === 'FAILED') moveTo('FAILED', outcome.failure);
  await condition(allHandlersFinished);
  return status;
}
