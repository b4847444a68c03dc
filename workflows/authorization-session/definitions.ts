import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/**
 * An authorization session (3-legged consent) carries references only: ids, names and a user hash.
 * The PKCE verifier, the state, the code and the tokens stay in the vault, read by activities.
 */
export interface AuthorizationSessionInput {
  sessionId: string;
  connectionId: string;
  workloadName: string;
  providerName: string;
  /** Hash of the user the session was started for (see libs/consent/user-key.ts). */
  userHash: string;
  /** How long the user has to consent and the app to complete, in milliseconds. */
  ttlMs: number;
}

export type SessionState = 'AWAITING_CALLBACK' | 'AWAITING_COMPLETION' | 'REDEEMING' | 'COMPLETED' | 'FAILED';

export interface SessionStatus {
  state: SessionState;
  failure?: string;
}

/** The authorization server answered: a code (kept in the vault) or an OAuth error code. */
export type CallbackOutcome = { kind: 'code' } | { kind: 'error'; error: string };

export interface CompletionRequest {
  /** Hash of the user the app says completes the session; must equal the session's. */
  userHash: string;
}

export const authorizationSessionWorkflowId = (sessionId: string) => `authorization-session:${sessionId}`;

export const callbackSignal = defineSignal<[CallbackOutcome]>('callbackSignal');
export const completeUpdate = defineUpdate<SessionStatus, [CompletionRequest]>('completeUpdate');
export const sessionStatusQuery = defineQuery<SessionStatus>('sessionStatusQuery');
