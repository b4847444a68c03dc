import type { ConfigMember, Discovery } from './vendors';

/**
 * An OAuth2 credential provider's configuration as stored: everything but the client secret, with
 * the authorization server already resolved from the vendor catalog.
 */
export interface Oauth2ProviderConfig {
  member: ConfigMember;
  clientId?: string;
  discovery: Discovery;
  tenantId?: string;
  issuer?: string;
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  clientAuthenticationMethod?:
    'CLIENT_SECRET_BASIC' | 'CLIENT_SECRET_POST' | 'AWS_IAM_ID_TOKEN_JWT' | 'PRIVATE_KEY_JWT';
  onBehalfOfTokenExchangeConfig?: {
    grantType: 'TOKEN_EXCHANGE' | 'JWT_AUTHORIZATION_GRANT';
    tokenExchangeGrantTypeConfig?: {
      actorTokenContent: 'NONE' | 'M2M' | 'AWS_IAM_ID_TOKEN_JWT';
      actorTokenScopes?: string[];
    };
  };
}

/** Every URL in a discovery that Mandate will fetch or send users to. */
export function discoveryUrls(discovery: Discovery): { field: string; url: string }[] {
  if ('discoveryUrl' in discovery)
    return [{ field: 'oauthDiscovery.discoveryUrl', url: discovery.discoveryUrl }];
  const m = discovery.authorizationServerMetadata;
  return [
    { field: 'oauthDiscovery.authorizationServerMetadata.issuer', url: m.issuer },
    {
      field: 'oauthDiscovery.authorizationServerMetadata.authorizationEndpoint',
      url: m.authorizationEndpoint,
    },
    { field: 'oauthDiscovery.authorizationServerMetadata.tokenEndpoint', url: m.tokenEndpoint },
  ];
}
