import { ApplicationFailure } from '@temporalio/activity';
import { ConnectionsRepository } from '../../libs/consent/connections.repository';
import { SessionsRepository } from '../../libs/consent/sessions.repository';
import {
  type OAuthClients,
  ResponseBodyError,
  type ProviderClient,
  type TokenSet,
} from '../../libs/oauth/oauth-client';
import { Oauth2ProvidersRepository } from '../../libs/providers/oauth2-providers.repository';
import type { Runtime } from '../../libs/runtime/runtime';

/** Dependencies of the consent activities, from the worker's runtime. */
export interface ConsentDeps {
  sessions: SessionsRepository;
  connections: ConnectionsRepository;
  providers: Oauth2ProvidersRepository;
  oauth: OAuthClients;
  readSecret: Runtime['secrets'];
  publicUrl: string;
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
  };
}

/**
 * The I/O of authorization sessions. They take and return references only: the code, verifier and
 * tokens move between the vault and the authorization server inside the activity.
 */
export function createConsentActivities(deps: ConsentDeps) {
  const now = deps.now ?? (() => new Date());

  async function providerClient(
    name: string,
    force = false,
  ): Promise<ProviderClient & { callbackId: string }> {
    const record = await deps.providers.find(name);
    if (!record)
      throw ApplicationFailure.nonRetryable(
        `Credential provider ${name} no longer exists`,
        'provider_deleted',
      );
    return {
      name,
      vendor: record.vendor,
      config: record.config,
      clientSecret: await deps.readSecret.read(record.secret.ref, { force }),
      version: record.updatedAt.toISOString(),
      callbackId: record.callbackId,
    };
  }

  return {
    /** Exchanges the session's code for tokens and stores them under the session's connection. */
    async redeemCode({ sessionId }: { sessionId: string }): Promise<{ expiresAt?: string }> {
      const session = await deps.sessions.find(sessionId);
      const sealed = await deps.sessions.secrets(sessionId);
      if (!session || !sealed?.callback) {
        throw ApplicationFailure.nonRetryable('The session has no authorization code', 'no_code');
      }
      const query = new URLSearchParams(sealed.callback.query);
      const exchange = async (force: boolean): Promise<TokenSet> => {
        const provider = await providerClient(session.providerName, force);
        if (force) deps.oauth.forget(provider.name);
        const callbackUrl = new URL(`${deps.publicUrl}/identities/oauth2/callback/${provider.callbackId}`);
        callbackUrl.search = query.toString();
        return deps.oauth.redeemCode(provider, callbackUrl, {
          codeVerifier: sealed.secrets.codeVerifier,
          state: query.get('state') ?? '',
          ...(sealed.secrets.nonce ? { nonce: sealed.secrets.nonce } : {}),
        });
      };
      let tokens: TokenSet;
      try {
        tokens = await exchange(false);
      } catch (err) {
        // A rotated client secret shows up as invalid_client: read the secret again and retry once.
        if (!(err instanceof ResponseBodyError && err.error === 'invalid_client')) throw classify(err);
        try {
          tokens = await exchange(true);
        } catch (retryErr) {
          throw classify(retryErr);
        }
      }
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
      return expiresAt ? { expiresAt: expiresAt.toISOString() } : {};
    },

    async finishSession(input: {
      sessionId: string;
      status: 'COMPLETED' | 'FAILED';
      failure?: string;
    }): Promise<void> {
      await deps.sessions.finish(input.sessionId, input.status, input.failure);
    },
  };
}

export type ConsentActivities = ReturnType<typeof createConsentActivities>;

/**
 * Permanent answers of the authorization server become non-retryable failures typed by their OAuth
 * error code; anything else (network, 5xx) is rethrown for Temporal to retry. Messages carry codes,
 * never the server's description, which may echo what it was sent.
 */
function classify(err: unknown): unknown {
  if (err instanceof ResponseBodyError && err.status < 500) {
    return ApplicationFailure.nonRetryable(`The token endpoint refused the request: ${err.error}`, err.error);
  }
  return err;
}
