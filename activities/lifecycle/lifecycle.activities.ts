import { ApplicationFailure, log } from '@temporalio/activity';
import { storedFromTokenResponse } from '../../libs/vault/token-response';
import type { AuditLog, AuditEvent } from '../../libs/audit/audit-log';
import type { Metrics } from '../../libs/metrics/metrics';
import type {
  ConnectionFlow,
  ConnectionRecordsRepository,
} from '../../libs/vault/connection-records.repository';
import type { ConnectionsRepository } from '../../libs/vault/connections.repository';
import type { WebhookEventData } from '../../libs/webhooks/events';
import type { WebhookEmitter } from '../webhooks/webhook-emitter';
import type { ExchangeSubjectsRepository } from '../../libs/vault/exchange-subjects.repository';
import type { OAuthClients } from '../../libs/oauth/oauth-client';
import type { Oauth2ProvidersRepository } from '../../libs/providers/oauth2-providers.repository';
import type { SecretStore } from '../../libs/secrets/secret-store';
import type { LifecycleGrant, RenewalFailure } from '../../workflows/connection-lifecycle/definitions';
import {
  grantOutcome,
  loadProviderClient,
  withClientSecretRetry,
  type LoadedProvider,
} from '../oauth/provider-client';

type Grant = LifecycleGrant;

export interface LifecycleDeps {
  connections: ConnectionsRepository;
  /** Operators' view of each connection: its state and last renewal, never a token. */
  records: Pick<ConnectionRecordsRepository, 'stored' | 'refreshing' | 'refreshFailed' | 'ended' | 'find'>;
  /** Connection events for webhook subscribers. */
  webhooks: WebhookEmitter;
  subjects: ExchangeSubjectsRepository;
  providers: Oauth2ProvidersRepository;
  secrets: Pick<SecretStore, 'read'>;
  oauth: OAuthClients;
  /** Lifetime assumed for an access token whose answer had no `expires_in`. */
  assumedLifetimeMs: number;
  audit: Pick<AuditLog, 'record'>;
  metrics: Pick<Metrics, 'grant'>;
  now?: () => Date;
}

/** The flow a connection renewed with a grant serves. */
const FLOW_OF_GRANT: Record<Grant['kind'], ConnectionFlow> = {
  refresh_token: 'USER_FEDERATION',
  client_credentials: 'M2M',
  token_exchange: 'ON_BEHALF_OF_TOKEN_EXCHANGE',
};

/** The I/O of connection lifecycles: references in, references out; tokens stay between vault and IdP. */
export function createLifecycleActivities(deps: LifecycleDeps) {
  const now = deps.now ?? (() => new Date());
  return {
    /** When the stored access token expires, and whether it can be renewed at all. */
    async connectionExpiry(input: {
      connectionId: string;
      grant?: Grant;
    }): Promise<{ expiresAt?: string; refreshable: boolean }> {
      const stored = await deps.connections.read(input.connectionId);
      // An M2M connection can always get a token, an on-behalf-of one while it has the user's token;
      // a token not obtained yet is due at once.
      const due = (stored?.connection.expiresAt ?? new Date(0)).toISOString();
      if (input.grant?.kind === 'client_credentials') return { refreshable: true, expiresAt: due };
      if (input.grant?.kind === 'token_exchange') {
        const subject = await deps.subjects.read(input.connectionId);
        return { refreshable: subject !== undefined, expiresAt: due };
      }
      if (!stored) return { refreshable: false };
      return {
        refreshable: stored.tokens.refreshToken !== undefined,
        ...(stored.connection.expiresAt ? { expiresAt: stored.connection.expiresAt.toISOString() } : {}),
      };
    },

    /**
     * Renews the connection's tokens (refresh token, or a new client-credentials grant) and stores the
     * answer before returning, so a rotated refresh token is never lost; an answer without a refresh
     * token keeps the old one.
     */
    async refreshConnection(input: {
      connectionId: string;
      providerName: string;
      workloadName: string;
      userHash?: string;
      grant?: Grant;
    }): Promise<{ expiresAt: string }> {
      const { grant } = input;
      const stored = await deps.connections.read(input.connectionId);
      const refreshToken = stored?.tokens.refreshToken;
      const kind = grant?.kind ?? 'refresh_token';
      if (kind === 'refresh_token' && !refreshToken) throw new Error('The connection has no refresh token');
      const event = auditEvent('Lifecycle.Renew', input, stored?.connection.userHash ?? input.userHash, {
        grant: kind,
      });
      const on = { workload: input.workloadName, provider: input.providerName };
      const refs = eventData(stored?.connection ?? { ...input, id: input.connectionId });
      if (stored) await deps.records.refreshing(input.connectionId, now());
      const tokens = await withClientSecretRetry(async (force) => {
        const subject = kind === 'token_exchange' ? await liveSubject(input.connectionId) : '';
        const provider = await loadProviderClient(deps.providers, deps.secrets, input.providerName, force);
        if (force) deps.oauth.forget(provider.name);
        if (grant?.kind === 'client_credentials') return deps.oauth.clientCredentials(provider, grant);
        if (grant?.kind === 'token_exchange') return exchange(provider, grant, subject);
        return deps.oauth.refresh(provider, refreshToken ?? '');
      }).catch(async (err: unknown) => {
        deps.metrics.grant(kind, grantOutcome(err), on);
        if (stored) {
          await deps.records.refreshFailed(input.connectionId, grantOutcome(err), now());
          // The grant's failure decides what happens next (invalid_grant ends the connection): an
          // event that cannot be queued must not take its place.
          await deps.webhooks
            .emit('connection.refresh_failed', { ...refs, reason: grantOutcome(err) })
            .catch((cause: unknown) => {
              log.warn('A connection.refresh_failed event could not be queued', {
                error: (cause as Error).message,
              });
            });
        }
        // Permanent failures are recorded once; transient ones are retried and recorded when they settle.
        if (err instanceof ApplicationFailure && err.nonRetryable)
          await deps.audit.record({ ...event, outcome: err.type ?? 'Failure' });
        throw err;
      });
      const at = now();
      const {
        obtainedAt: _obtained,
        expiresAt: _expired,
        ...owner
      } = stored?.connection ?? {
        id: input.connectionId,
        workloadName: input.workloadName,
        providerName: input.providerName,
        userHash: input.userHash ?? 'm2m',
        scopes: grant && grant.kind !== 'refresh_token' ? grant.scopes : [],
      };
      const renewed = storedFromTokenResponse(tokens, owner, at, {
        assumedLifetimeMs: deps.assumedLifetimeMs,
        ...(stored ? { previous: stored.tokens } : {}),
      });
      await deps.connections.save(renewed.connection, renewed.tokens, at);
      const { connection } = renewed;
      const before = stored ? await deps.records.find(input.connectionId) : undefined;
      await deps.records.stored(
        connection,
        FLOW_OF_GRANT[kind],
        connection.expiresAt,
        at,
        stored ? 'renewal' : undefined,
      );
      await deps.audit.record({ ...event, outcome: 'Success' });
      deps.metrics.grant(kind, 'Success', on);
      await deps.webhooks.emit(stored ? 'connection.refreshed' : 'connection.created', refs);
      if (before?.lastRefreshOutcome !== undefined && before.lastRefreshOutcome !== 'Success')
        await deps.webhooks.emit('connection.recovered', refs);
      // Always set: an assumed lifetime stands in for a missing expires_in.
      return { expiresAt: renewed.connection.expiresAt!.toISOString() };
    },

    /**
     * Revokes the connection: its tokens are revoked at the provider where it supports RFC 7009, then
     * deleted from the vault whatever the provider answered.
     */
    async revokeConnection(input: {
      connectionId: string;
      providerName: string;
    }): Promise<{ revokedAtProvider: boolean }> {
      const stored = await deps.connections.read(input.connectionId);
      let revokedAtProvider = false;
      if (stored) {
        try {
          const provider = await loadProviderClient(deps.providers, deps.secrets, input.providerName);
          if (stored.tokens.refreshToken)
            revokedAtProvider = await deps.oauth.revoke(
              provider,
              stored.tokens.refreshToken,
              'refresh_token',
            );
          revokedAtProvider =
            (await deps.oauth.revoke(provider, stored.tokens.accessToken, 'access_token')) ||
            revokedAtProvider;
        } catch {
          // The vault copy goes regardless: a provider that cannot be reached must not keep a revoked connection alive here.
        }
      }
      await deps.connections.delete(input.connectionId);
      await deps.subjects.delete(input.connectionId);
      await deps.records.ended(input.connectionId, 'REVOKED', now());
      const record = await deps.records.find(input.connectionId);
      await deps.webhooks.emit(
        'connection.revoked',
        eventData(record ?? { ...input, id: input.connectionId }),
      );
      await deps.audit.record({
        ...auditEvent('Lifecycle.Revoke', stored?.connection ?? input, stored?.connection.userHash, {
          revokedAtProvider,
        }),
        outcome: 'Success',
      });
      return { revokedAtProvider };
    },

    /** Drops a connection that can no longer be renewed: the next request for it starts over. */
    async forgetConnection(input: { connectionId: string; reason?: string }): Promise<void> {
      const stored = await deps.connections.read(input.connectionId);
      await deps.connections.delete(input.connectionId);
      await deps.subjects.delete(input.connectionId);
      await deps.records.ended(input.connectionId, 'NEEDS_CONSENT', now());
      const record = await deps.records.find(input.connectionId);
      await deps.webhooks.emit('connection.needs_consent', {
        ...eventData(record ?? { id: input.connectionId }),
        ...(input.reason ? { reason: input.reason } : {}),
      });
      if (stored)
        await deps.audit.record({
          ...auditEvent('Lifecycle.Forget', stored.connection, stored.connection.userHash),
          outcome: input.reason ?? 'Success',
        });
    },
  };

  /** The service's own work on a connection, as the audit log names it. */
  function auditEvent(
    operation: string,
    on: { workloadName?: string; providerName: string },
    user: string | undefined,
    detail?: AuditEvent['detail'],
  ): Omit<AuditEvent, 'outcome'> {
    return {
      actor: 'mandate',
      operation,
      ...(on.workloadName ? { workloadName: on.workloadName } : {}),
      resource: on.providerName,
      ...(user && user !== 'm2m' ? { userHash: user } : {}),
      ...(detail ? { detail } : {}),
    };
  }

  /** The user token an on-behalf-of connection is exchanged from, while it is still valid. */
  async function liveSubject(connectionId: string): Promise<string> {
    const subject = await deps.subjects.read(connectionId);
    if (!subject || subject.expiresAt.getTime() <= now().getTime())
      throw ApplicationFailure.nonRetryable(
        "The user's token for this on-behalf-of connection has expired",
        'subject_expired' satisfies RenewalFailure,
      );
    return subject.subjectToken;
  }

  /** On-behalf-of: the provider's configured exchange, with the agent's own M2M token as actor where asked. */
  async function exchange(
    provider: LoadedProvider,
    request: Extract<Grant, { kind: 'token_exchange' }>,
    subjectToken: string,
  ) {
    const obo = provider.config.onBehalfOfTokenExchangeConfig;
    if (!obo)
      throw ApplicationFailure.nonRetryable(
        `Credential provider ${provider.name} no longer allows on-behalf-of token exchange`,
        'provider_changed' satisfies RenewalFailure,
      );
    const actor = obo.tokenExchangeGrantTypeConfig;
    const actorToken =
      obo.grantType === 'TOKEN_EXCHANGE' && actor?.actorTokenContent === 'M2M'
        ? (await deps.oauth.clientCredentials(provider, { scopes: actor.actorTokenScopes ?? [] })).accessToken
        : undefined;
    return deps.oauth.exchange(provider, {
      grantType: obo.grantType,
      subjectToken,
      ...(actorToken ? { actorToken } : {}),
      scopes: request.scopes,
      ...(request.resources ? { resources: request.resources } : {}),
      ...(request.audiences ? { audiences: request.audiences } : {}),
    });
  }
}

export type LifecycleActivities = ReturnType<typeof createLifecycleActivities>;

/** A connection's references for its events: ids and names, the user as its hash (none for M2M). */
function eventData(connection: {
  id: string;
  workloadName?: string;
  providerName?: string;
  userHash?: string;
}): WebhookEventData {
  return {
    connectionId: connection.id,
    ...(connection.workloadName ? { workloadName: connection.workloadName } : {}),
    ...(connection.providerName ? { resourceCredentialProviderName: connection.providerName } : {}),
    ...(connection.userHash && connection.userHash !== 'm2m' ? { userHash: connection.userHash } : {}),
  };
}
