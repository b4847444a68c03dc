import { callbackUrl } from '../../libs/providers/callback-url';
import { ApplicationFailure } from '@temporalio/activity';
import type { AuditLog } from '../../libs/audit/audit-log';
import { ConnectionsRepository } from '../../libs/consent/connections.repository';
import { SessionsRepository } from '../../libs/consent/sessions.repository';
import type { OAuthClients, TokenSet } from '../../libs/oauth/oauth-client';
import { Oauth2ProvidersRepository } from '../../libs/providers/oauth2-providers.repository';
import type { Runtime } from '../../libs/runtime/runtime';
import { connectionLifecycleWorkflow } from '../../workflows/connection-lifecycle/connection-lifecycle.workflow';
import {
  lifecycleStartOptions,
  tokensStoredSignal,
  type ConnectionLifecycleInput,
  type LifecycleTiming,
} from '../../workflows/connection-lifecycle/definitions';
import { loadProviderClient, withClientSecretRetry } from '../oauth/provider-client';

/** Dependencies of the consent activities, from the worker's runtime. */
export interface ConsentDeps {
  sessions: SessionsRepository;
  connections: ConnectionsRepository;
  providers: Oauth2ProvidersRepository;
  oauth: OAuthClients;
  readSecret: Runtime['secrets'];
  publicUrl: string;
  /** Starts (or tells) a connection's lifecycle workflow once its tokens are stored. */
  startLifecycle: (input: ConnectionLifecycleInput) => Promise<void>;
  timing: LifecycleTiming;
  audit: Pick<AuditLog, 'record'>;
  now?: () => Date;
}

export function consentDeps(runtime: Runtime): ConsentDeps {
  return {
    sessions: new SessionsRepository(runtime.db, runtime.envelope),
    connections: new ConnectionsRepository(runtime.db, runtime.envelope),
    providers: new Oauth2ProvidersRepository(runtime.db),
    oauth: runtime.oauth,
    readSecret: runtime.secrets,
    publicUrl: runtime.config.http.publicUrl,
    timing: runtime.config.lifecycle,
    audit: runtime.audit,
    startLifecycle: async (input) => {
      // signalWithStart: a new connection gets its lifecycle; a re-consented one hears of its new tokens.
      await runtime.temporal.workflow.signalWithStart(connectionLifecycleWorkflow, {
        ...lifecycleStartOptions(input, runtime.config.temporal.taskQueue),
        signal: tokensStoredSignal,
        signalArgs: [],
      });
    },
  };
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
      });
      const at = now();
      const expiresAt =
        tokens.expiresIn !== undefined ? new Date(at.getTime() + tokens.expiresIn * 1000) : undefined;
      await deps.connections.save(
        {
          id: session.connectionId,
          workloadName: session.workloadName,
          providerName: session.providerName,
          userHash: session.userHash,
          scopes: tokens.scope ? tokens.scope.split(/[ ,]/).filter(Boolean) : session.scopes,
          ...(expiresAt ? { expiresAt } : {}),
        },
        {
          accessToken: tokens.accessToken,
          ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
          ...(tokens.idToken ? { idToken: tokens.idToken } : {}),
          ...(tokens.tokenType ? { tokenType: tokens.tokenType } : {}),
        },
        at,
      );
      // The token is servable from here on: polls find the session completed.
      await deps.sessions.finish(sessionId, 'COMPLETED');
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
      if (input.status !== 'COMPLETED') return;
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
