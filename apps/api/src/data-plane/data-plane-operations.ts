import { InternalServerException } from '../../../../libs/wire/errors';
import { parseInput } from '../../../../libs/wire/validation';
import { getResourceApiKeyInput } from '../api-key-providers/api-key-provider.schemas';
import type { ApiKeyProvidersService } from '../api-key-providers/api-key-providers.service';
import {
  completeResourceTokenAuthInput,
  getResourceOauth2TokenInput,
} from '../resource-tokens/resource-tokens.schemas';
import type { ResourceTokensService } from '../resource-tokens/resource-tokens.service';
import type { UserConsent } from '../resource-tokens/user-consent';
import type { OperationCall } from '../wire/operation-call';
import {
  named,
  stringField,
  stringsField,
  userContext,
  type OperationMetadata,
} from '../wire/operation.decorator';
import {
  forJwtInput,
  forUserIdInput,
  workloadNameInput,
} from '../workload-access-tokens/workload-access-token.schemas';
import type { WorkloadAccessTokensService } from '../workload-access-tokens/workload-access-tokens.service';

/** One data-plane operation: where it is served, its access rule, and what it does once allowed. */
export interface DataPlaneOperation {
  url: string;
  operation: OperationMetadata;
  handle: (request: OperationCall, services: DataPlaneServices) => Promise<unknown>;
}

export interface DataPlaneServices {
  resourceTokens: ResourceTokensService;
  consent: UserConsent;
  apiKeys: ApiKeyProvidersService;
  workloadAccessTokens: WorkloadAccessTokensService;
}

const verifiedWat = (request: OperationCall) => {
  if (!request.wat) throw new InternalServerException('The workload access token was not verified');
  return request.wat;
};

/**
 * The operations an agent calls on every tool use, as AgentCore's data plane serves them (paths,
 * access rules and condition keys are AgentCore's); the control plane stays on Nest.
 */
export const DATA_PLANE_OPERATIONS: readonly DataPlaneOperation[] = [
  {
    url: '/identities/oauth2/token',
    operation: {
      name: 'GetResourceOauth2Token',
      watField: 'workloadIdentityToken',
      resources: named('oauth2', 'resourceCredentialProviderName'),
      context: (request, wat) => ({
        ...userContext(wat),
        'bedrock-agentcore:OAuth2Flow': stringField(request, 'oauth2Flow'),
        'bedrock-agentcore:Scopes': stringsField(request, 'scopes'),
      }),
    },
    handle: (request, { resourceTokens }) =>
      resourceTokens.token(
        verifiedWat(request),
        parseInput(getResourceOauth2TokenInput, request.body),
        request.principal?.name,
      ),
  },
  {
    url: '/identities/api-key',
    operation: {
      name: 'GetResourceApiKey',
      watField: 'workloadIdentityToken',
      resources: named('apikey', 'resourceCredentialProviderName'),
    },
    handle: (request, { apiKeys }) =>
      apiKeys.apiKey(
        parseInput(getResourceApiKeyInput, request.body).resourceCredentialProviderName,
        verifiedWat(request),
        request.principal?.name ?? '',
      ),
  },
  {
    url: '/identities/CompleteResourceTokenAuth',
    // The session's workload and provider are known only once it is found: UserConsent authorizes.
    operation: { name: 'CompleteResourceTokenAuth', authorizedByHandler: true },
    handle: (request, { consent }) => {
      const input = parseInput(completeResourceTokenAuthInput, request.body);
      if (!request.principal) throw new InternalServerException('The caller was not authenticated');
      return consent.complete(request.principal, input.sessionUri, input.userIdentifier);
    },
  },
  {
    url: '/identities/GetWorkloadAccessToken',
    operation: { name: 'GetWorkloadAccessToken', resources: named('workload', 'workloadName') },
    handle: (request, { workloadAccessTokens }) =>
      workloadAccessTokens.forWorkload(parseInput(workloadNameInput, request.body).workloadName),
  },
  {
    url: '/identities/GetWorkloadAccessTokenForJWT',
    operation: { name: 'GetWorkloadAccessTokenForJWT', resources: named('workload', 'workloadName') },
    handle: (request, { workloadAccessTokens }) => {
      const input = parseInput(forJwtInput, request.body);
      return workloadAccessTokens.forJwt(input.workloadName, input.userToken);
    },
  },
  {
    url: '/identities/GetWorkloadAccessTokenForUserId',
    operation: {
      name: 'GetWorkloadAccessTokenForUserId',
      resources: named('workload', 'workloadName'),
      context: (request) => ({ 'bedrock-agentcore:UserId': stringField(request, 'userId') }),
    },
    handle: (request, { workloadAccessTokens }) => {
      const input = parseInput(forUserIdInput, request.body);
      return workloadAccessTokens.forUserId(input.workloadName, input.userId);
    },
  },
];
