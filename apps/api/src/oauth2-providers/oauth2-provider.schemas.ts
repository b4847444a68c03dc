import { z } from 'zod';
import { VENDOR_NAMES } from '../../../../libs/providers/vendors';
import { unsupported } from '../../../../libs/wire/validation';
import { tags } from '../workload-identities/workload-identity.schemas';
import {
  credentialProviderName,
  secretReference,
  secretSource,
} from '../credential-providers/credential-provider.schemas';

const url = z
  .string()
  .min(1, 'must not be empty')
  .max(2048, 'must be at most 2048 characters')
  .refine((value) => URL.canParse(value), 'must be a URL');

const secretFields = {
  clientSecret: z.string().max(2048, 'must be at most 2048 characters').optional(),
  clientSecretConfig: secretReference.optional(),
  clientSecretSource: secretSource.optional(),
};

const standard = z.object({
  clientId: z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters'),
  ...secretFields,
});

const authorizationServerMetadata = z.object({
  issuer: url,
  authorizationEndpoint: url,
  tokenEndpoint: url,
  responseTypes: z.array(z.string().min(1).max(64)).min(1).max(10).optional(),
  tokenEndpointAuthMethods: z
    .array(z.enum(['client_secret_basic', 'client_secret_post']))
    .min(1)
    .max(2)
    .optional(),
});

export const oauthDiscovery = z.union(
  [
    z.object({
      discoveryUrl: url.regex(
        /^.+\/\.well-known\/(openid-configuration|oauth-authorization-server)$/,
        'must end with /.well-known/openid-configuration or /.well-known/oauth-authorization-server',
      ),
    }),
    z.object({ authorizationServerMetadata }),
  ],
  { error: 'must hold discoveryUrl or authorizationServerMetadata' },
);

export const PRIVATE_ENDPOINTS =
  'private endpoints (VPC, VPC Lattice) are not supported by Mandate; reach the server over its URL';

const custom = z.object({
  oauthDiscovery,
  clientId: z.string().max(256, 'must be at most 256 characters').optional(),
  ...secretFields,
  clientAuthenticationMethod: z
    .enum(['CLIENT_SECRET_BASIC', 'CLIENT_SECRET_POST', 'AWS_IAM_ID_TOKEN_JWT', 'PRIVATE_KEY_JWT'])
    .optional(),
  onBehalfOfTokenExchangeConfig: z
    .object({
      grantType: z.enum(['TOKEN_EXCHANGE', 'JWT_AUTHORIZATION_GRANT']),
      tokenExchangeGrantTypeConfig: z
        .object({
          actorTokenContent: z
            .enum(['NONE', 'M2M', 'AWS_IAM_ID_TOKEN_JWT'])
            .refine(
              (content) => content !== 'AWS_IAM_ID_TOKEN_JWT',
              'AWS_IAM_ID_TOKEN_JWT is not supported by Mandate; use NONE or M2M',
            ),
          actorTokenScopes: z.array(z.string().min(1).max(128)).max(20).optional(),
        })
        .optional(),
    })
    .optional(),
  privateKeyJwtConfig: z.unknown().optional(),
  privateEndpoint: unsupported(PRIVATE_ENDPOINTS),
  privateEndpointOverrides: unsupported(PRIVATE_ENDPOINTS),
});

/** One member of AgentCore's `oauth2ProviderConfigInput` union, each with its own shape. */
export const oauth2ProviderConfigInput = z
  .object({
    googleOauth2ProviderConfig: standard.optional(),
    githubOauth2ProviderConfig: standard.optional(),
    slackOauth2ProviderConfig: standard.optional(),
    salesforceOauth2ProviderConfig: standard.optional(),
    atlassianOauth2ProviderConfig: standard.optional(),
    linkedinOauth2ProviderConfig: standard.optional(),
    microsoftOauth2ProviderConfig: standard
      .extend({ tenantId: z.string().min(1).max(2048).optional() })
      .optional(),
    includedOauth2ProviderConfig: standard
      .extend({
        issuer: url.optional(),
        authorizationEndpoint: url.optional(),
        tokenEndpoint: url.optional(),
      })
      .optional(),
    customOauth2ProviderConfig: custom.optional(),
  })
  .refine(
    (union) => Object.values(union).filter((v) => v !== undefined).length === 1,
    'must set exactly one provider configuration',
  );

export const createOauth2ProviderInput = z.object({
  name: credentialProviderName,
  credentialProviderVendor: z.enum(VENDOR_NAMES, { error: 'must be one of the AgentCore vendors' }),
  oauth2ProviderConfigInput,
  tags: tags.optional(),
});

export const updateOauth2ProviderInput = createOauth2ProviderInput.omit({ tags: true });

export type Oauth2ProviderInput = z.output<typeof updateOauth2ProviderInput>;

export const CLIENT_SECRET_FIELDS = {
  inline: 'clientSecret',
  config: 'clientSecretConfig',
  source: 'clientSecretSource',
  managedJsonKey: 'client_secret',
} as const;
