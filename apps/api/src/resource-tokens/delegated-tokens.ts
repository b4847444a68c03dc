import { decodeJwt } from 'jose';
import type { WorkloadAccessToken } from '../../../../libs/auth/workload-access-token';
import type { ConnectionsRepository } from '../../../../libs/vault/connections.repository';
import type { ExchangeSubjectsRepository } from '../../../../libs/vault/exchange-subjects.repository';
import { servable } from '../../../../libs/vault/token-freshness';
import type { Metrics, TokenFlow } from '../../../../libs/metrics/metrics';
import { connectionId, type UserKeys } from '../../../../libs/consent/user-key';
import type { Oauth2ProviderRecord } from '../../../../libs/providers/oauth2-providers.repository';
import { InternalServerException, ValidationException } from '../../../../libs/wire/errors';
import type {
  ConnectionLifecycleInput,
  LifecycleGrant,
  TokenRequestShape,
} from '../../../../workflows/connection-lifecycle/definitions';
import type { GetResourceOauth2TokenInput } from './resource-tokens.schemas';
import { providerFailure, type Renewals } from './renewals';

/** The request's scopes, resources and audiences in a canonical order: one connection per distinct request. */
function requestShape(input: GetResourceOauth2TokenInput): TokenRequestShape {
  return {
    scopes: [...input.scopes].sort(),
    ...(input.resources ? { resources: [...input.resources].sort() } : {}),
    ...(input.audiences ? { audiences: [...input.audiences].sort() } : {}),
  };
}

export interface DelegatedTokensDeps {
  connections: Pick<ConnectionsRepository, 'read'>;
  subjects: Pick<ExchangeSubjectsRepository, 'save'>;
  userKeys: UserKeys;
  renewals: Pick<Renewals, 'renewAndRead'>;
  /** The most a stored token keeps back before it is renewed (see `servable`). */
  maxMarginMs: number;
  metrics?: Pick<Metrics, 'vaultRead'>;
}

/**
 * Tokens no user consents to at a browser: M2M (client credentials) and on-behalf-of (the user's
 * token exchanged at the provider). Each distinct request is a connection kept in the vault and
 * renewed by its own lifecycle; concurrent callers that miss the vault share one grant.
 */
export class DelegatedTokens {
  constructor(private readonly deps: DelegatedTokensDeps) {}

  /** M2M: one client-credentials token per (provider, scopes, resources, audiences), shared by all workloads. */
  machine(wat: WorkloadAccessToken, input: GetResourceOauth2TokenInput, provider: Oauth2ProviderRecord) {
    const request = requestShape(input);
    return this.obtain(
      'M2M',
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
    const user = this.deps.userKeys.hash(wat.user);
    const connection = connectionId(
      wat.workloadName,
      `${user} obo ${JSON.stringify(request)}`,
      provider.name,
    );
    const { userToken } = wat;
    return this.obtain(
      'ON_BEHALF_OF_TOKEN_EXCHANGE',
      connection,
      {
        workloadName: wat.workloadName,
        providerName: provider.name,
        userHash: user,
        grant: { kind: 'token_exchange', ...request },
      },
      input.forceAuthentication === true,
      async () => {
        // The JWT was verified when the workload access token was minted; its expiry (seconds), else
        // the workload access token's (milliseconds), bounds its use.
        const { exp } = decodeJwt(userToken);
        const expiresAt = new Date(exp !== undefined ? exp * 1000 : wat.expiresAt);
        await this.deps.subjects.save(connection, userToken, expiresAt, new Date());
      },
    );
  }

  /**
   * Serves the vault's token while it lives (unless `force`: the caller asked for a new one);
   * otherwise asks the connection's lifecycle (started here if it is not running) to obtain a new
   * one and waits for it. `beforeRenewal` runs only on a miss.
   */
  private async obtain(
    flow: TokenFlow,
    connection: string,
    lifecycle: Pick<ConnectionLifecycleInput, 'workloadName' | 'providerName' | 'userHash'> & {
      grant: LifecycleGrant;
    },
    force: boolean,
    beforeRenewal?: () => Promise<void>,
  ): Promise<{ accessToken: string }> {
    const stored = await this.deps.connections.read(connection);
    const hit = stored !== undefined && !force && servable(stored.connection, this.deps.maxMarginMs);
    this.deps.metrics?.vaultRead(flow, hit, {
      workload: lifecycle.workloadName,
      provider: lifecycle.providerName,
    });
    if (hit) return { accessToken: stored.tokens.accessToken };
    await beforeRenewal?.();
    // Failures are not thrown on the way: the vault decides (a still-valid token is served, else an error).
    const renewed = await this.deps.renewals.renewAndRead(
      { connectionId: connection, ...lifecycle },
      stored?.connection.expiresAt,
    );
    if ('accessToken' in renewed) return renewed;
    if (renewed.failure) throw providerFailure(lifecycle.providerName, renewed.failure);
    throw new InternalServerException(
      `No token could be obtained from credential provider ${lifecycle.providerName}; try again`,
    );
  }
}
