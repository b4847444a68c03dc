import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { FLOW, PROVIDER_NAME, STATE, WORKLOAD_NAME } from '../search-attributes';

/** A connection's lifecycle carries its id and labels only; tokens stay in the vault. */
export interface ConnectionLifecycleInput {
  connectionId: string;
  workloadName: string;
  providerName: string;
  /** The user's hash, for connections the lifecycle itself creates (on-behalf-of). */
  userHash?: string;
  timing: LifecycleTiming;
  /** Refresh cycles done by earlier runs (continue-as-new keeps counting). */
  cycles?: number;
  /**
   * How tokens are renewed: with the user's refresh token, (M2M) a new client-credentials grant, or
   * (on-behalf-of) a new exchange of the user's token kept in the vault, for the request the
   * connection was made for.
   */
  grant?: LifecycleGrant;
}

/** When a lifecycle renews, from the configuration (`MANDATE_REFRESH_*`, `MANDATE_LIFECYCLE_*`). */
export interface LifecycleTiming {
  /** Refresh this long before the access token expires. */
  refreshSkewMs: number;
  /** Up to this much earlier again, at random, so connections made together do not refresh together. */
  refreshJitterMs: number;
  /** For tokens whose answer had no `expires_in`. */
  assumedLifetimeMs: number;
  /** Refresh cycles per run before continuing as new. */
  cyclesPerRun: number;
}

/** What a connection was made for: the scopes, resources and audiences of the token request. */
export interface TokenRequestShape {
  scopes: string[];
  resources?: string[];
  audiences?: string[];
}

export type LifecycleGrant =
  | { kind: 'refresh_token' }
  | ({ kind: 'client_credentials' } & TokenRequestShape)
  | ({ kind: 'token_exchange' } & TokenRequestShape);

const FLOW_OF_GRANT = {
  refresh_token: 'CONNECTION',
  client_credentials: 'M2M',
  token_exchange: 'ON_BEHALF_OF_TOKEN_EXCHANGE',
} as const;

export type LifecycleState = 'ACTIVE' | 'REFRESHING' | 'NEEDS_CONSENT' | 'REVOKED';

/** Token endpoint refusals (RFC 6749 §5.2, RFC 8707, RFC 8693); any other code counts as `invalid_request`. */
export const OAUTH_REFUSALS = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
] as const;
export type OAuthRefusal = (typeof OAUTH_REFUSALS)[number];

/**
 * Why renewing a connection failed: the one vocabulary of activities (the `type` of their
 * non-retryable failures), the lifecycle (`lastFailure`) and the API (the error a caller gets).
 * `unavailable`: the provider could not be reached after the retries.
 */
export type RenewalFailure =
  | OAuthRefusal
  /** On-behalf-of: the user's token the connection is exchanged from has expired. */
  | 'subject_expired'
  | 'provider_deleted'
  /** The provider no longer allows the grant the connection was made with. */
  | 'provider_changed'
  | 'unavailable';

const NAMED_FAILURES: readonly string[] = ['subject_expired', 'provider_deleted', 'provider_changed'];

/** The renewal failure a failure `type` names: an unknown OAuth code is `invalid_request`, no type is `unavailable`. */
export function renewalFailureOf(type: string | null | undefined): RenewalFailure {
  if (!type) return 'unavailable';
  if ((OAUTH_REFUSALS as readonly string[]).includes(type) || NAMED_FAILURES.includes(type))
    return type as RenewalFailure;
  return 'invalid_request';
}

/** After these the connection cannot be renewed without the user: it is forgotten and needs consent. */
export const endsConnection = (failure: RenewalFailure) =>
  failure === 'invalid_grant' || failure === 'subject_expired';

export interface LifecycleStatus {
  state: LifecycleState;
  /** Successful refreshes. */
  cycles: number;
  /** Refresh rounds that failed after their retries (the old token stays in place). */
  failures: number;
  /** ISO time the current access token expires, as the vault says. */
  expiresAt?: string;
  /**
   * Why the last refresh round failed, while renewals are paused after it: the provider's OAuth
   * error code (`invalid_client`, ...) or `unavailable`. Never the provider's description.
   */
  lastFailure?: RenewalFailure;
}

export const connectionLifecycleWorkflowId = (connectionId: string) => `connection:${connectionId}`;

/** New tokens were stored (a fresh consent): recompute the refresh timer. */
export const tokensStoredSignal = defineSignal('tokensStoredSignal');
/** Refresh now, or join the refresh already running; answers once the new token is in the vault. */
export const refreshUpdate = defineUpdate<LifecycleStatus, [RefreshRequest]>('refreshUpdate');

export interface RefreshRequest {
  /** The expiry the caller saw in the vault; a refresh done since then answers at once. */
  seenExpiresAt?: string;
}
export const lifecycleStatusQuery = defineQuery<LifecycleStatus>('lifecycleStatusQuery');

/** Revoke the connection: tokens revoked at the provider where possible, deleted from the vault, lifecycle ended. */
export const revokeUpdate = defineUpdate<LifecycleStatus, []>('revokeUpdate');

/**
 * How every caller starts a connection's lifecycle: its business-key ID and the labels operators
 * filter on (never user data).
 */
export function lifecycleStartOptions(input: ConnectionLifecycleInput, taskQueue: string) {
  return {
    workflowId: connectionLifecycleWorkflowId(input.connectionId),
    taskQueue,
    args: [input] as [ConnectionLifecycleInput],
    typedSearchAttributes: [
      { key: WORKLOAD_NAME, value: input.workloadName },
      { key: PROVIDER_NAME, value: input.providerName },
      { key: FLOW, value: FLOW_OF_GRANT[input.grant?.kind ?? 'refresh_token'] },
      { key: STATE, value: 'ACTIVE' },
    ],
  };
}
