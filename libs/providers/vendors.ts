/**
 * The OAuth 2.0 vendors of AgentCore's `credentialProviderVendor`, as data: where each one's
 * authorization server is, and how it departs from the standard. Core code reads these fields and
 * never branches on a vendor's name.
 */

export type ConfigMember =
  | 'googleOauth2ProviderConfig'
  | 'githubOauth2ProviderConfig'
  | 'slackOauth2ProviderConfig'
  | 'salesforceOauth2ProviderConfig'
  | 'microsoftOauth2ProviderConfig'
  | 'atlassianOauth2ProviderConfig'
  | 'linkedinOauth2ProviderConfig'
  | 'includedOauth2ProviderConfig'
  | 'customOauth2ProviderConfig';

export interface AuthorizationServerMetadata {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  responseTypes?: string[];
  tokenEndpointAuthMethods?: ('client_secret_basic' | 'client_secret_post')[];
}

/** Where the authorization server is described: a discovery document, or fixed metadata. */
export type Discovery =
  { discoveryUrl: string } | { authorizationServerMetadata: AuthorizationServerMetadata };

/** How a vendor departs from plain OAuth 2.0; every field is optional and defaults to the standard. */
export interface VendorQuirks {
  /** Scope list separator in the authorization request (RFC 6749 says space). */
  scopeSeparator?: ' ' | ',';
  /** Query parameter that carries user scopes, when it is not `scope` (Slack's `user_scope`). */
  scopeParameter?: string;
  /** Always added to the authorization request, e.g. to obtain refresh tokens. */
  authorizationParameters?: Record<string, string>;
  /** Dotted path of the user's access token in the token response, when not `access_token`. */
  accessTokenPath?: string;
}

export interface VendorSpec {
  vendor: string;
  member: ConfigMember;
  /**
   * `fixed`: one authorization server for everyone. `tenant`: each customer's own, named by the
   * `issuer` (or endpoints) in the configuration, from which the discovery URL follows.
   * `custom`: the configuration gives everything.
   */
  kind: 'fixed' | 'tenant' | 'custom';
  discovery?: Discovery;
  /** For tenant vendors with a URL pattern, e.g. Microsoft's `{tenantId}`. */
  discoveryTemplate?: string;
  defaultTenant?: string;
  quirks?: VendorQuirks;
}

const metadata = (
  issuer: string,
  authorizationEndpoint: string,
  tokenEndpoint: string,
  tokenEndpointAuthMethods?: AuthorizationServerMetadata['tokenEndpointAuthMethods'],
): Discovery => ({
  authorizationServerMetadata: {
    issuer,
    authorizationEndpoint,
    tokenEndpoint,
    responseTypes: ['code'],
    ...(tokenEndpointAuthMethods ? { tokenEndpointAuthMethods } : {}),
  },
});

export const VENDORS: readonly VendorSpec[] = [
  {
    vendor: 'GoogleOauth2',
    member: 'googleOauth2ProviderConfig',
    kind: 'fixed',
    discovery: { discoveryUrl: 'https://accounts.google.com/.well-known/openid-configuration' },
    // Google issues a refresh token only for offline access, and again only on a fresh consent.
    quirks: { authorizationParameters: { access_type: 'offline', prompt: 'consent' } },
  },
  {
    vendor: 'GithubOauth2',
    member: 'githubOauth2ProviderConfig',
    kind: 'fixed',
    discovery: metadata(
      'https://github.com',
      'https://github.com/login/oauth/authorize',
      'https://github.com/login/oauth/access_token',
      ['client_secret_post'],
    ),
  },
  {
    vendor: 'SlackOauth2',
    member: 'slackOauth2ProviderConfig',
    kind: 'fixed',
    discovery: metadata(
      'https://slack.com',
      'https://slack.com/oauth/v2/authorize',
      'https://slack.com/api/oauth.v2.access',
      ['client_secret_post'],
    ),
    // User tokens: scopes go in `user_scope`, comma-separated, and the token comes back under `authed_user`.
    quirks: {
      scopeSeparator: ',',
      scopeParameter: 'user_scope',
      accessTokenPath: 'authed_user.access_token',
    },
  },
  {
    vendor: 'SalesforceOauth2',
    member: 'salesforceOauth2ProviderConfig',
    kind: 'fixed',
    discovery: { discoveryUrl: 'https://login.salesforce.com/.well-known/openid-configuration' },
  },
  {
    vendor: 'MicrosoftOauth2',
    member: 'microsoftOauth2ProviderConfig',
    kind: 'tenant',
    discoveryTemplate: 'https://login.microsoftonline.com/{tenantId}/v2.0/.well-known/openid-configuration',
    defaultTenant: 'common',
  },
  {
    vendor: 'AtlassianOauth2',
    member: 'atlassianOauth2ProviderConfig',
    kind: 'fixed',
    discovery: metadata(
      'https://auth.atlassian.com',
      'https://auth.atlassian.com/authorize',
      'https://auth.atlassian.com/oauth/token',
      ['client_secret_post'],
    ),
    quirks: {
      authorizationParameters: { audience: 'api.atlassian.com', prompt: 'consent' },
    },
  },
  {
    vendor: 'LinkedinOauth2',
    member: 'linkedinOauth2ProviderConfig',
    kind: 'fixed',
    discovery: { discoveryUrl: 'https://www.linkedin.com/oauth/.well-known/openid-configuration' },
  },
  {
    vendor: 'XOauth2',
    member: 'includedOauth2ProviderConfig',
    kind: 'fixed',
    discovery: metadata(
      'https://x.com',
      'https://x.com/i/oauth2/authorize',
      'https://api.x.com/2/oauth2/token',
      ['client_secret_basic'],
    ),
  },
  { vendor: 'OktaOauth2', member: 'includedOauth2ProviderConfig', kind: 'tenant' },
  { vendor: 'OneLoginOauth2', member: 'includedOauth2ProviderConfig', kind: 'tenant' },
  { vendor: 'PingOneOauth2', member: 'includedOauth2ProviderConfig', kind: 'tenant' },
  {
    vendor: 'FacebookOauth2',
    member: 'includedOauth2ProviderConfig',
    kind: 'fixed',
    discovery: metadata(
      'https://www.facebook.com',
      'https://www.facebook.com/v19.0/dialog/oauth',
      'https://graph.facebook.com/v19.0/oauth/access_token',
      ['client_secret_post'],
    ),
    quirks: { scopeSeparator: ',' },
  },
  {
    vendor: 'YandexOauth2',
    member: 'includedOauth2ProviderConfig',
    kind: 'fixed',
    discovery: metadata(
      'https://oauth.yandex.com',
      'https://oauth.yandex.com/authorize',
      'https://oauth.yandex.com/token',
    ),
  },
  {
    vendor: 'RedditOauth2',
    member: 'includedOauth2ProviderConfig',
    kind: 'fixed',
    discovery: metadata(
      'https://www.reddit.com',
      'https://www.reddit.com/api/v1/authorize',
      'https://www.reddit.com/api/v1/access_token',
      ['client_secret_basic'],
    ),
    // Reddit issues a refresh token only for a permanent grant.
    quirks: { authorizationParameters: { duration: 'permanent' } },
  },
  {
    vendor: 'ZoomOauth2',
    member: 'includedOauth2ProviderConfig',
    kind: 'fixed',
    discovery: metadata('https://zoom.us', 'https://zoom.us/oauth/authorize', 'https://zoom.us/oauth/token', [
      'client_secret_basic',
    ]),
  },
  {
    vendor: 'TwitchOauth2',
    member: 'includedOauth2ProviderConfig',
    kind: 'fixed',
    discovery: { discoveryUrl: 'https://id.twitch.tv/oauth2/.well-known/openid-configuration' },
  },
  {
    vendor: 'SpotifyOauth2',
    member: 'includedOauth2ProviderConfig',
    kind: 'fixed',
    discovery: metadata(
      'https://accounts.spotify.com',
      'https://accounts.spotify.com/authorize',
      'https://accounts.spotify.com/api/token',
      ['client_secret_basic'],
    ),
  },
  {
    vendor: 'DropboxOauth2',
    member: 'includedOauth2ProviderConfig',
    kind: 'fixed',
    discovery: metadata(
      'https://www.dropbox.com',
      'https://www.dropbox.com/oauth2/authorize',
      'https://api.dropboxapi.com/oauth2/token',
    ),
    // Dropbox issues a refresh token only for offline access.
    quirks: { authorizationParameters: { token_access_type: 'offline' } },
  },
  {
    vendor: 'NotionOauth2',
    member: 'includedOauth2ProviderConfig',
    kind: 'fixed',
    discovery: metadata(
      'https://api.notion.com',
      'https://api.notion.com/v1/oauth/authorize',
      'https://api.notion.com/v1/oauth/token',
      ['client_secret_basic'],
    ),
    quirks: { authorizationParameters: { owner: 'user' } },
  },
  {
    vendor: 'HubspotOauth2',
    member: 'includedOauth2ProviderConfig',
    kind: 'fixed',
    discovery: metadata(
      'https://app.hubspot.com',
      'https://app.hubspot.com/oauth/authorize',
      'https://api.hubapi.com/oauth/v1/token',
      ['client_secret_post'],
    ),
  },
  { vendor: 'CyberArkOauth2', member: 'includedOauth2ProviderConfig', kind: 'tenant' },
  { vendor: 'FusionAuthOauth2', member: 'includedOauth2ProviderConfig', kind: 'tenant' },
  { vendor: 'Auth0Oauth2', member: 'includedOauth2ProviderConfig', kind: 'tenant' },
  { vendor: 'CognitoOauth2', member: 'includedOauth2ProviderConfig', kind: 'tenant' },
  { vendor: 'CustomOauth2', member: 'customOauth2ProviderConfig', kind: 'custom' },
];

const byName = new Map(VENDORS.map((v) => [v.vendor, v]));

export const VENDOR_NAMES = VENDORS.map((v) => v.vendor) as [string, ...string[]];

export function vendorSpec(vendor: string): VendorSpec | undefined {
  return byName.get(vendor);
}

/** The input a configuration gives about where its authorization server is. */
export interface ServerInput {
  tenantId?: string;
  issuer?: string;
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  oauthDiscovery?: Discovery;
}

/**
 * Resolves where a provider's authorization server is, from its vendor and configuration; undefined
 * when the configuration lacks what the vendor needs (the reason is in `missing`).
 *
 * @example
 * resolveDiscovery(vendorSpec('MicrosoftOauth2')!, { tenantId: 'contoso.onmicrosoft.com' });
 * // { discovery: { discoveryUrl: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration' } }
 */
export function resolveDiscovery(
  spec: VendorSpec,
  input: ServerInput,
): { discovery?: Discovery; missing?: string } {
  if (spec.kind === 'custom') {
    return input.oauthDiscovery ? { discovery: input.oauthDiscovery } : { missing: 'oauthDiscovery' };
  }
  if (input.issuer && input.authorizationEndpoint && input.tokenEndpoint) {
    return { discovery: metadata(input.issuer, input.authorizationEndpoint, input.tokenEndpoint) };
  }
  if (spec.discoveryTemplate) {
    const tenant = input.tenantId ?? spec.defaultTenant;
    if (!tenant) return { missing: 'tenantId' };
    return {
      discovery: { discoveryUrl: spec.discoveryTemplate.replace('{tenantId}', encodeURIComponent(tenant)) },
    };
  }
  if (spec.kind === 'tenant') {
    if (!input.issuer) return { missing: 'issuer' };
    return {
      discovery: { discoveryUrl: `${input.issuer.replace(/\/$/, '')}/.well-known/openid-configuration` },
    };
  }
  return { discovery: spec.discovery };
}
