import { storedFromTokenResponse } from '../../libs/vault/token-response';
import { callbackUrl } from '../../libs/providers/callback-url';
import { ApplicationFailure } from '@temporalio/activity';
import type { AuditLog } from '../../libs/audit/audit-log';
import type { Metrics } from '../../libs/metrics/metrics';
import type { ConnectionRecordsRepository } from '../../libs/vault/connection-records.repository';
import type { ConnectionsRepository } from '../../libs/vault/connections.repository';
import type { WebhookEmitter } from '../webhooks/webhook-emitter';
import type { SessionsRepository } from '../../libs/consent/sessions.repository';
import type { OAuthClients, TokenSet } from '../../libs/oauth/oauth-client';
import type { Oauth2ProvidersRepository } from '../../libs/providers/oauth2-providers.repository';
import type { SecretStore } from '../../libs/secrets/secret-store';
import type {
  ConnectionLifecycleInput,
  LifecycleTiming,
} from '../../workflows/connection-lifecycle/definitions';
import { grantOutcome, loadProviderClient, withClientSecretRetry } from '../oauth/provider-client';

/** Dependencies of the consent activities (the worker builds them: apps/worker/src/activity-deps.ts). */
export interface ConsentDeps {
  sessions: SessionsRepository;
  connections: ConnectionsRepository;
  records: Pick<ConnectionRecordsRepository, 'stored'>;
  /** Consent and connection events for webhook subscribers. */
  webhooks: WebhookEmitter;
  providers: Oauth2ProvidersRepository;
  oauth: OAuthClients;
  readSecret: Pick<SecretStore, 'read'>;
  publicUrl: string;
  /** Starts (or tells) a connection's lifecycle workflow once its tokens are stored. */
  startLifecycle: (input: ConnectionLifecycleInput) => Promise<void>;
  timing: LifecycleTiming;
  audit: Pick<AuditLog, 'record'>;
  metrics: Pick<Metrics, 'grant' | 'consent'>;
  now?: () => Date;
}

/**
 * The I/O of authorization sessions. They take and return references only: the code, verifier and
 * tokens move between the vault and the authorization server inside the activity.
 */
export function createConsentActivities(deps: ConsentDeps) {
  const now = deps.now ?? (() => new Date());

  return {
    /** Exchanges the session's code for tokens, stores them under the session's connection, marks the session completed. */
    async redeemCode({ sessionId }: { sessionId: string }): Promise<{ expiresAt?: string }> {
      const session = await deps.sessions.find(sessionId);
      const sealed = await deps.sessions.secrets(sessionId);
      if (!session || !sealed?.callback) {
        throw ApplicationFailure.nonRetryable('The session has no authorization code', 'no_code');
      }
      const query = new URLSearchParams(sealed.callback.query);
      const on = { workload: session.workloadName, provider: session.providerName };
      const tokens: TokenSet = await withClientSecretRetry(async (force) => {
        const provider = await loadProviderClient(
          deps.providers,
          deps.readSecret,
          session.providerName,
          force,
        );
        if (force) deps.oauth.forget(provider.name);
        const redirect = new URL(callbackUrl(deps.publicUrl, provider.callbackId));
        redirect.search = query.toString();
        return deps.oauth.redeemCode(provider, redirect, {
          codeVerifier: sealed.secrets.codeVerifier,
          state: query.get('state') ?? '',
          ...(sealed.secrets.nonce ? { nonce: sealed.secrets.nonce } : {}),
        });
      }).catch((err: unknown) => {
        deps.metrics.grant('authorization_code', grantOutcome(err), on);
        throw err;
      });
      deps.metrics.grant('authorization_code', 'Success', on);
      const at = now();
      const stored = storedFromTokenResponse(
        tokens,
        {
          id: session.connectionId,
          workloadName: session.workloadName,
          providerName: session.providerName,
          userHash: session.userHash,
          scopes: session.scopes,
        },
        at,
      );
      await deps.connections.save(stored.connection, stored.tokens, at);
      await deps.records.stored(stored.connection, 'USER_FEDERATION', stored.connection.expiresAt, at);
      // The token is servable from here on: polls find the session completed.
      await deps.sessions.finish(sessionId, 'COMPLETED');
      const { expiresAt } = stored.connection;
      return expiresAt ? { expiresAt: expiresAt.toISOString() } : {};
    },

    /** Records the session's outcome; a completed one hands its connection to the connection's lifecycle. */
    async finishSession(input: {
      sessionId: string;
      status: 'COMPLETED' | 'FAILED';
      failure?: string;
    }): Promise<void> {
      await deps.sessions.finish(input.sessionId, input.status, input.failure);
      const session = await deps.sessions.find(input.sessionId);
      if (!session) return;
      await deps.audit.record({
        actor: 'mandate',
        operation: 'Consent.Finish',
        workloadName: session.workloadName,
        resource: session.providerName,
        userHash: session.userHash,
        outcome: input.status === 'COMPLETED' ? 'Success' : (input.failure ?? 'FAILED'),
      });
      deps.metrics.consent(input.status === 'COMPLETED' ? 'completed' : 'failed', {
        workload: session.workloadName,
        provider: session.providerName,
        ...(input.status === 'COMPLETED' ? {} : { reason: failureReason(input.failure) }),
      });
      const refs = {
        connectionId: session.connectionId,
        workloadName: session.workloadName,
        resourceCredentialProviderName: session.providerName,
        userHash: session.userHash,
      };
      if (input.status !== 'COMPLETED') {
        await deps.webhooks.emit('consent.failed', { ...refs, reason: failureReason(input.failure) });
        return;
      }
      await deps.webhooks.emit('consent.completed', refs);
      await deps.webhooks.emit('connection.created', refs);
      await deps.startLifecycle({
        connectionId: session.connectionId,
        workloadName: session.workloadName,
        providerName: session.providerName,
        timing: deps.timing,
      });
    },
  };
}

export type ConsentActivities = ReturnType<typeof createConsentActivities>;

/**
 * The short code a failed session counts under in the metrics: `expired`, the authorization server's
 * OAuth error (`access_denied`), or the code redemption's (`invalid_grant`); the workflow's failure
 * text carries these after a fixed prefix.
 */
export function failureReason(failure: string | undefined): string {
  if (failure === 'the session expired') return 'expired';
  const code = /^(?:authorization server answered|code redemption failed:) ([A-Za-z_]{1,64})$/.exec(
    failure ?? '',
  );
  return code?.[1] ?? 'failed';
}
