import { z } from 'zod';
import { tags } from '../workload-identities/workload-identity.schemas';
import {
  credentialProviderName,
  secretReference,
  secretSource,
} from '../credential-providers/credential-provider.schemas';

const apiKey = z.string().max(65_536, 'must be at most 65536 characters');

export const createApiKeyProviderInput = z.object({
  name: credentialProviderName,
  apiKey: apiKey.optional(),
  apiKeySecretConfig: secretReference.optional(),
  apiKeySecretSource: secretSource.optional(),
  tags: tags.optional(),
});

export const updateApiKeyProviderInput = createApiKeyProviderInput.omit({ tags: true });

export const getResourceApiKeyInput = z.object({
  workloadIdentityToken: z.string().min(1).max(131_072),
  resourceCredentialProviderName: credentialProviderName,
});

export const API_KEY_FIELDS = {
  inline: 'apiKey',
  config: 'apiKeySecretConfig',
  source: 'apiKeySecretSource',
  managedJsonKey: 'api_key_value',
} as const;
