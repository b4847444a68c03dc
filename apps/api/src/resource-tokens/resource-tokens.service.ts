import type { WorkloadAccessToken } from '../../../../libs/auth/workload-access-token';
import type { Oauth2ProvidersRepository } from '../../../../libs/providers/oauth2-providers.repository';
import { ResourceNotFoundException } from '../../../../libs/wire/errors';
import type { ReleaseGuard } from '../policy-engines/release-guard';
import type { DelegatedTokens } from './delegated-tokens';
import type { GetResourceOauth2TokenInput } from './resource-tokens.schemas';
import type { TokenAnswer, UserConsent } from './user-consent';

/**
 * GetResourceOauth2Token, all three flows: the credential provider is looked up once, then the
 * flow decides. M2M and on-behalf-of tokens need no person (DelegatedTokens); user federation may
 * need a consent (UserConsent).
 */
export class ResourceTokensService {
  constructor(
    private readonly providers: Pick<Oauth2ProvidersRepository, 'find'>,
    private readonly delegated: DelegatedTokens,
    private readonly consent: UserConsent,
    private readonly guard: Pick<ReleaseGuard, 'check'>,
  ) {}

  /** `requestedBy`: the calling principal, which a consent portal's consent screen names. */
  async token(
    wat: WorkloadAccessToken,
    input: GetResourceOauth2TokenInput,
    requestedBy?: string,
  ): Promise<TokenAnswer> {
    const name = input.resourceCredentialProviderName;
    const provider = await this.providers.find(name);
    if (!provider) throw new ResourceNotFoundException(`OAuth2 credential provider ${name} does not exist`);
    // Cedar decides first: a refused release starts no consent and serves nothing from the vault.
    await this.guard.check(wat, {
      action: 'ReleaseToken',
      flow: input.oauth2Flow,
      provider,
      scopes: input.scopes,
      ...(input.resources ? { resources: input.resources } : {}),
      ...(input.audiences ? { audiences: input.audiences } : {}),
      caller: requestedBy ?? '',
    });
    switch (input.oauth2Flow) {
      case 'M2M':
        return this.delegated.machine(wat, input, provider);
      case 'ON_BEHALF_OF_TOKEN_EXCHANGE':
        return this.delegated.onBehalfOf(wat, input, provider);
      case 'USER_FEDERATION':
        return this.consent.token(wat, input, provider, requestedBy);
    }
  }
}
