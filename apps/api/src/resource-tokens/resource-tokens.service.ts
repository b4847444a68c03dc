import type { WorkloadAccessToken } from '../../../../libs/auth/workload-access-token';
import type {
  Oauth2ProviderRecord,
  Oauth2ProvidersRepository,
} from '../../../../libs/providers/oauth2-providers.repository';
import { ResourceNotFoundException } from '../../../../libs/wire/errors';
import { approvalIdOf, type ReleaseApprovals } from '../approvals/release-approvals';
import type { Release, ReleaseGuard } from '../policy-engines/release-guard';
import type { DelegatedTokens } from './delegated-tokens';
import type { GetResourceOauth2TokenInput } from './resource-tokens.schemas';
import type { TokenAnswer, UserConsent } from './user-consent';

/**
 * GetResourceOauth2Token, all three flows: the credential provider is looked up once, Cedar decides
 * the release, then the flow does. M2M and on-behalf-of tokens need no person (DelegatedTokens); user
 * federation may need a consent (UserConsent). A release a policy asks approval for waits for it as
 * a consent would: the agent polls with the approval's session URI.
 */
export class ResourceTokensService {
  constructor(
    private readonly providers: Pick<Oauth2ProvidersRepository, 'find'>,
    private readonly delegated: DelegatedTokens,
    private readonly consent: UserConsent,
    private readonly guard: Pick<ReleaseGuard, 'admit'>,
    private readonly approvals: Pick<ReleaseApprovals, 'used'>,
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
    const release: Release = {
      action: 'ReleaseToken',
      flow: input.oauth2Flow,
      provider,
      scopes: input.scopes,
      ...(input.resources ? { resources: input.resources } : {}),
      ...(input.audiences ? { audiences: input.audiences } : {}),
      caller: requestedBy ?? '',
    };
    const approvalId = approvalIdOf(input.sessionUri);
    // Cedar decides first: a refused release starts no consent and serves nothing from the vault.
    const admitted = await this.guard.admit(wat, release, {
      ...(approvalId ? { approvalId } : {}),
      ...(input.resourceOauth2ReturnUrl ? { returnUrl: input.resourceOauth2ReturnUrl } : {}),
    });
    if ('waiting' in admitted) return admitted.waiting;
    // Polled with an approval's URI, a consent that must follow is started by the portal, where the
    // approver (the user) is: the agent keeps polling the approval meanwhile.
    const answer = await this.flow(
      wat,
      withoutApproval(input, approvalId),
      provider,
      requestedBy,
      approvalId ? input.sessionUri : undefined,
    );
    if ('accessToken' in answer && admitted.approval) await this.approvals.used(admitted.approval);
    return answer;
  }

  private flow(
    wat: WorkloadAccessToken,
    input: GetResourceOauth2TokenInput,
    provider: Oauth2ProviderRecord,
    requestedBy: string | undefined,
    pollingAs?: string,
  ): Promise<TokenAnswer> {
    switch (input.oauth2Flow) {
      case 'M2M':
        return this.delegated.machine(wat, input, provider);
      case 'ON_BEHALF_OF_TOKEN_EXCHANGE':
        return this.delegated.onBehalfOf(wat, input, provider);
      case 'USER_FEDERATION':
        return this.consent.token(wat, input, provider, requestedBy, pollingAs);
    }
  }
}

/** An approval's session URI is the approval's, not a consent's: the flow does not see it. */
function withoutApproval(input: GetResourceOauth2TokenInput, approvalId: string | undefined) {
  if (!approvalId) return input;
  const { sessionUri: _approval, ...rest } = input;
  return rest;
}
