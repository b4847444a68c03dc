import { ConnectionsRepository } from '../../libs/consent/connections.repository';
import type { OAuthClients } from '../../libs/oauth/oauth-client';
import { Oauth2ProvidersRepository } from '../../libs/providers/oauth2-providers.repository';
import type { Runtime } from '../../libs/runtime/runtime';
import type { SecretStore } from '../../libs/secrets/secret-store';
import { loadProviderClient, withClientSecretRetry } from '../oauth/provider-client';

export interface LifecycleDeps {
  connections: ConnectionsRepository;
  providers: Oauth2ProvidersRepository;
  secrets: SecretStore;
  oauth: OAuthClients;
  /** Lifetime assumed for an access token whose answer had no `expires_in`. */
  assumedLifetimeMs: number;
  now?: () => Date;
}

export function lifecycleDeps(runtime: Runtime): LifecycleDeps {
  return {
    connections: new ConnectionsRepository(runtime.db, runtime.envelope),
    providers: new Oauth2ProvidersRepository(runtime.db),
    secrets: runtime.secrets,
    oauth: runtime.oauth,
    assumedLifetimeMs: runtime.config.lifecycle.assumedLifetimeMs,
  };
}

/** The I/O of connection lifecycles: references in, references out; tokens stay between vault and IdP. */
export function createLifecycleActivities(deps: LifecycleDeps) {
  const now = deps.now ?? (() => new Date());
  return {
    /** When the stored access token expires, and whether it can be refreshed at all. */
    async connectionExpiry({
      connectionId,
    }: {
      connectionId: string;
    }): Promise<{ expiresAt?: string; refreshable: boolean }> {
      const stored = await deps.connections.read(connectionId);
      if (!stored) return { refreshable: false };
      return {
        refreshable: stored.tokens.refreshToken !== undefined,
        ...(stored.connection.expiresAt ? { expiresAt: stored.connection.expiresAt.toISOString() } : {}),
      };
    },

    /**
     * Redeems the refresh token and stores the answer before returning, so a rotated refresh token is
     * never lost; a response without a refresh token keeps the old one.
     */
    async refreshConnection({
      connectionId,
      providerName,
    }: {
      connectionId: string;
      providerName: string;
    }): Promise<{ expiresAt: string }> {
      const stored = await deps.connections.read(connectionId);
      if (!stored?.tokens.refreshToken) {
        throw new Error('The connection has no refresh token');
      }
      const refreshToken = stored.tokens.refreshToken;
      const tokens = await withClientSecretRetry(async (force) => {
        const provider = await loadProviderClient(deps.providers, deps.secrets, providerName, force);
        if (force) deps.oauth.forget(provider.name);
        return deps.oauth.refresh(provider, refreshToken);
      });
      const at = now();
      const expiresAt = new Date(
        at.getTime() + (tokens.expiresIn !== undefined ? tokens.expiresIn * 1000 : deps.assumedLifetimeMs),
      );
      await deps.connections.save(
        {
          ...stored.connection,
          ...(tokens.scope ? { scopes: tokens.scope.split(/[ ,]/).filter(Boolean) } : {}),
          expiresAt,
        },
        {
          accessToken: tokens.accessToken,
          refreshToken: tokens.refreshToken ?? refreshToken,
          ...(tokens.idToken
            ? { idToken: tokens.idToken }
            : stored.tokens.idToken
              ? { idToken: stored.tokens.idToken }
              : {}),
          ...(tokens.tokenType ? { tokenType: tokens.tokenType } : {}),
        },
        at,
      );
      return { expiresAt: expiresAt.toISOString() };
    },

    async forgetConnection({ connectionId }: { connectionId: string }): Promise<void> {
      await deps.connections.delete(connectionId);
    },
  };
}

export type LifecycleActivities = ReturnType<typeof createLifecycleActivities>;
