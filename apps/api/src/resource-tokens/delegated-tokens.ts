import { decodeJwt } from 'jose';
import type { WorkloadAccessToken } from '../../../../libs/auth/workload-access-token';
import { ConnectionsRepository } from '../../../../libs/consent/connections.repository';
import { ExchangeSubjectsRepository } from '../../../../libs/consent/exchange-subjects.repository';
import { servable, unexpired } from '../../../../libs/consent/token-freshness';
import { connectionId } from '../../../../libs/consent/user-key';
import type { Oauth2ProviderRecord } from '../../../../libs/providers/oauth2-providers.repository';
import type { Runtime } from '../../../../libs/runtime/runtime';
import { InternalServerException, ValidationException } from '../../../../libs/wire/errors';
import type {
  ConnectionLifecycleInput,
  LifecycleGrant,
  TokenRequestShape,
} from '../../../../workflows/connection-lifecycle/definitions';
import type { GetResourceOauth2TokenInput } from './consent.schemas';
import { awaitRenewal, providerFailure, type Renewals } from './renewals';

/** The request's scopes, resources and audiences in a canonical order: one connection per distinct request. */
function requestShape(input: GetResourceOauth2TokenInput): TokenRequestShape {
  return {
    scopes: [...input.scopes].sort(),
    ...(input.resources ? { resources: [...input.resources].sort() } : {}),
    ...(input.audiences ? { audiences: [...input.audiences].sort() } : {}),
  };
}

/**
 * Tokens no user consents to at a browser: M2M (client credentials) and on-behalf-of (the user's
 * token exchanged at the provider). Each distinct request is a connection kept in the vault and
 * renewed by its own lifecycle; concurrent callers that miss the vault share one grant.
 */
export class DelegatedTokens {
  private readonly connections: ConnectionsRepository;
  private readonly subjects: ExchangeSubjectsRepository;

  constructor(
    private readonly runtime: Runtime,
    /** The most a stored token keeps back before it is renewed (see `servable`). */
    private readonly maxMargin: number,
    private readonly renewals: Renewals,
  ) {
    this.connections = new ConnectionsRepository(runtime.db, runtime.envelope);
    this.subjects = new ExchangeSubjectsRepository(runtime.db, runtime.envelope);
  }

  /** M2M: one client-credentials token per (provider, scopes, resources, audiences), shared by all workloads. */
  machine(wat: WorkloadAccessToken, input: GetResourceOauth2TokenInput, provider: Oauth2ProviderRecord) {
    const request = requestShape(input);
    return this.obtain(
      connectionId('m2m', JSON.stringify(request), provider.name),
      {
        workloadName: wat.workloadName,
        providerName: provider.name,
        grant: { kind: 'client_credentials', ...request },
      },
      input.forceAuthentication === true,
    );
  }

  /**
   * On-behalf-of (RFC 8693 or RFC 7523): the user JWT bound to the workload access token is traded
   * at the provider; one connection per (workload, user, provider, request). The user's token goes
   * to the vault, never to the lifecycle.
   */
  async onBehalfOf(
    wat: WorkloadAccessToken,
    input: GetResourceOauth2TokenInput,
    provider: Oauth2ProviderRecord,
  ) {
    if (!provider.config.onBehalfOfTokenExchangeConfig)
      throw ValidationException.field(
        'resourceCredentialProviderName',
        `credential provider ${provider.name} has no onBehalfOfTokenExchangeConfig`,
      );
    if (!wat.user || !wat.userToken)
      throw ValidationException.field(
        'workloadIdentityToken',
        'ON_BEHALF_OF_TOKEN_EXCHANGE needs a workload access token minted from a user JWT (GetWorkloadAccessTokenForJWT)',
      );
    const request = requestShape(input);
    const user = this.runtime.userKeys.hash(wat.user);
    const connection = connectionId(
      wat.workloadName,
      `${user} obo ${JSON.stringify(request)}`,
      provider.name,
    );
    const { userToken } = wat;
    return this.obtain(
      connection,
      {
        workloadName: wat.workloadName,
        providerName: provider.name,
        userHash: user,
        grant: { kind: 'token_exchange', ...request },
      },
      input.forceAuthentication === true,
      async () => {
        // The JWT was verified when the workload access token was minted; its expiry bounds its use.
        const exp = decodeJwt(userToken).exp ?? wat.expiresAt;
        await this.subjects.save(connection, userToken, new Date(exp * 1000), new Date());
      },
    );
  }

  /**
   * Serves the vault's token while it lives (unless `force`: the caller asked for a new one);
   * otherwise asks the connection's lifecycle (started here if it is not running) to obtain a new
   * one and waits for it. `beforeRenewal` runs only on a miss.
   */
  private async obtain(
    connection: string,
    lifecycle: Pick<ConnectionLifecycleInput, 'workloadName' | 'providerName' | 'userHash'> & {
      grant: LifecycleGrant;
    },
    force: boolean,
    beforeRenewal?: () => Promise<void>,
  ): Promise<{ accessToken: string }> {
    const { caches } = this.runtime;
    const stored = await caches.connections.find(connection, () => this.connections.read(connection));
    if (stored && !force && servable(stored.connection, this.maxMargin))
      return { accessToken: stored.tokens.accessToken };
    await beforeRenewal?.();
    // Failures are not thrown: the vault decides below (a still-valid token is served, else an error).
    const outcome = await awaitRenewal(
      // A caller that found nothing saw "expired at the epoch": any grant made since then serves it.
      this.renewals.request(
        { connectionId: connection, ...lifecycle },
        stored?.connection.expiresAt ?? new Date(0),
      ),
      stored?.connection.expiresAt,
    );
    caches.connections.delete(connection);
    const renewed = await this.connections.read(connection);
    if (renewed && unexpired(renewed.connection)) return { accessToken: renewed.tokens.accessToken };
    if (outcome?.lastFailure) throw providerFailure(lifecycle.providerName, outcome.lastFailure);
    throw new InternalServerException(
      `No token could be obtained from credential provider ${lifecycle.providerName}; try again`,
    );
  }
}
