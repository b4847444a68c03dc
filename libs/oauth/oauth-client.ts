import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import { CodedError } from '../errors/coded-error';
import type { IdpCall } from '../metrics/metrics';
import type { Oauth2ProviderConfig } from '../providers/provider-config';
import { vendorSpec, type VendorQuirks } from '../providers/vendors';

/** The provider facts an OAuth exchange needs, with its client secret already read. */
export interface ProviderClient {
  name: string;
  vendor: string;
  config: Oauth2ProviderConfig;
  clientSecret: string;
  /** Changes when the provider is updated, so cached discovery is not reused across updates. */
  version: string;
}

export type OAuthProblem = 'discovery_failed' | 'no_access_token' | 'no_id_token';

/**
 * A provider that could not be used for a reason of its own: its discovery document could not be
 * read, or its token answer held no access token. Token endpoint refusals stay openid-client's
 * `ResponseBodyError`s, which activities classify by their OAuth error code.
 */
export class OAuthError extends CodedError<OAuthProblem> {}

export interface OAuthClientOptions {
  /** The SSRF-guarded fetch. */
  fetch: typeof fetch;
  /** Plain http to loopback/private IdPs, only where the configuration allows private networks. */
  allowInsecureRequests: boolean;
  cacheTtlMs?: number;
  /** Times every call to an authorization server (Metrics.timeIdpCall). */
  timeCall?: <T>(provider: string, call: IdpCall, run: () => Promise<T>) => Promise<T>;
}

export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  tokenType?: string;
  /** Seconds, as the server sent it; undefined when it sent none. */
  expiresIn?: number;
  scope?: string;
}

/**
 * openid-client configured per credential provider: discovery (or fixed metadata) through the
 * outbound guard, client authentication by the provider's method, and the vendor's quirks applied
 * from the catalog. Configurations are cached per provider version.
 *
 * @example
 * const oauth = new OAuthClients({ fetch: outboundFetch, allowInsecureRequests: false });
 * const url = await oauth.authorizationUrl(provider, { redirectUri, scopes: ['read'], state, codeChallenge });
 */
export class OAuthClients {
  private readonly cache = new Map<string, { at: number; configuration: Promise<client.Configuration> }>();

  constructor(private readonly options: OAuthClientOptions) {}

  configuration(provider: ProviderClient): Promise<client.Configuration> {
    // The secret's digest is part of the key: a rotated secret (found by the watch) gets a fresh configuration.
    const secretDigest = createHash('sha256').update(provider.clientSecret).digest('base64url').slice(0, 22);
    const key = `${provider.name}@${provider.version}:${secretDigest}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < (this.options.cacheTtlMs ?? 3_600_000)) return hit.configuration;
    const configuration = this.build(provider);
    this.cache.set(key, { at: Date.now(), configuration });
    configuration.catch(() => this.cache.delete(key));
    return configuration;
  }

  /** Forgets a provider's configuration, e.g. after its client secret was rotated. */
  forget(providerName: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`${providerName}@`)) this.cache.delete(key);
  }

  async authorizationUrl(
    provider: ProviderClient,
    request: {
      redirectUri: string;
      scopes: string[];
      state: string;
      codeChallenge: string;
      nonce?: string;
      resources?: string[];
      audiences?: string[];
      customParameters?: Record<string, string>;
    },
  ): Promise<URL> {
    const configuration = await this.configuration(provider);
    const quirks: VendorQuirks = vendorSpec(provider.vendor)?.quirks ?? {};
    const standard: Record<string, string> = {
      client_id: configuration.clientMetadata().client_id,
      response_type: 'code',
      redirect_uri: request.redirectUri,
      state: request.state,
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
      [quirks.scopeParameter ?? 'scope']: request.scopes.join(quirks.scopeSeparator ?? ' '),
      ...(request.nonce ? { nonce: request.nonce } : {}),
    };
    // Custom parameters come first, so they can add to the request but never override a standard one.
    const parameters = new URLSearchParams({
      ...request.customParameters,
      ...quirks.authorizationParameters,
      ...standard,
    });
    for (const resource of request.resources ?? []) parameters.append('resource', resource);
    for (const audience of request.audiences ?? []) parameters.append('audience', audience);
    return client.buildAuthorizationUrl(configuration, parameters);
  }

  /**
   * Redeems an authorization code. `callbackUrl` is the redirect the server made (code, state, iss),
   * checked by openid-client against the expected state and, where the server advertises RFC 9207,
   * its issuer.
   */
  async redeemCode(
    provider: ProviderClient,
    callbackUrl: URL,
    checks: { codeVerifier: string; state: string; nonce?: string },
  ): Promise<TokenSet> {
    const configuration = await this.configuration(provider);
    const response = await this.timed(provider, 'authorization_code', () =>
      client.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        ...(checks.nonce ? { expectedNonce: checks.nonce } : { idTokenExpected: false }),
      }),
    );
    return toTokenSet(response, vendorSpec(provider.vendor)?.quirks ?? {});
  }

  /**
   * OpenID Connect sign-in: redeems the code of a login Mandate itself started (a consent portal's)
   * and answers the ID token's claims, which openid-client has checked (issuer, audience, expiry,
   * nonce) on the token endpoint's TLS answer (OIDC Core §3.1.3.7).
   */
  async signIn(
    provider: ProviderClient,
    callbackUrl: URL,
    checks: { codeVerifier: string; state: string; nonce: string },
  ): Promise<Record<string, unknown>> {
    const configuration = await this.configuration(provider);
    const response = await this.timed(provider, 'authorization_code', () =>
      client.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      }),
    );
    const claims = response.claims();
    if (!claims) throw new OAuthError('no_id_token', 'The token response holds no ID token');
    return { ...claims };
  }

  /** Exchanges a refresh token (RFC 6749 §6). The answer may or may not carry a new refresh token. */
  async refresh(provider: ProviderClient, refreshToken: string): Promise<TokenSet> {
    const configuration = await this.configuration(provider);
    const response = await this.timed(provider, 'refresh_token', () =>
      client.refreshTokenGrant(configuration, refreshToken),
    );
    return toTokenSet(response, vendorSpec(provider.vendor)?.quirks ?? {});
  }

  /**
   * Revokes a token at the provider (RFC 7009) when it advertises a revocation endpoint.
   * @returns false when the provider has no revocation endpoint
   */
  async revoke(
    provider: ProviderClient,
    token: string,
    hint: 'refresh_token' | 'access_token',
  ): Promise<boolean> {
    const configuration = await this.configuration(provider);
    if (!configuration.serverMetadata().revocation_endpoint) return false;
    await this.timed(provider, 'revocation', () =>
      client.tokenRevocation(configuration, token, { token_type_hint: hint }),
    );
    return true;
  }

  /** A client-credentials grant (RFC 6749 §4.4) for machine-to-machine access. */
  async clientCredentials(
    provider: ProviderClient,
    request: { scopes: string[]; resources?: string[]; audiences?: string[] },
  ): Promise<TokenSet> {
    const configuration = await this.configuration(provider);
    const parameters = new URLSearchParams();
    if (request.scopes.length > 0) parameters.set('scope', request.scopes.join(' '));
    for (const resource of request.resources ?? []) parameters.append('resource', resource);
    for (const audience of request.audiences ?? []) parameters.append('audience', audience);
    const response = await this.timed(provider, 'client_credentials', () =>
      client.clientCredentialsGrant(configuration, parameters),
    );
    return toTokenSet(response, {});
  }

  /**
   * On-behalf-of: trades the user's token for one of this provider's, with RFC 8693 token exchange
   * (`subject_token`, and `actor_token` when the agent acts with its own token) or the RFC 7523 JWT
   * authorization grant (the user's JWT as `assertion`).
   */
  async exchange(
    provider: ProviderClient,
    request: {
      grantType: 'TOKEN_EXCHANGE' | 'JWT_AUTHORIZATION_GRANT';
      subjectToken: string;
      actorToken?: string;
      scopes: string[];
      resources?: string[];
      audiences?: string[];
    },
  ): Promise<TokenSet> {
    const configuration = await this.configuration(provider);
    const parameters = new URLSearchParams();
    let grantType: string;
    if (request.grantType === 'TOKEN_EXCHANGE') {
      grantType = 'urn:ietf:params:oauth:grant-type:token-exchange';
      parameters.set('subject_token', request.subjectToken);
      // The user token bound to a workload access token is the JWT an inbound authorizer accepted: an access token.
      parameters.set('subject_token_type', 'urn:ietf:params:oauth:token-type:access_token');
      if (request.actorToken) {
        parameters.set('actor_token', request.actorToken);
        parameters.set('actor_token_type', 'urn:ietf:params:oauth:token-type:access_token');
      }
    } else {
      grantType = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
      parameters.set('assertion', request.subjectToken);
    }
    if (request.scopes.length > 0) parameters.set('scope', request.scopes.join(' '));
    for (const resource of request.resources ?? []) parameters.append('resource', resource);
    for (const audience of request.audiences ?? []) parameters.append('audience', audience);
    const response = await this.timed(provider, 'token_exchange', () =>
      client.genericGrantRequest(configuration, grantType, parameters),
    );
    return toTokenSet(response, {});
  }

  private timed<T>(provider: ProviderClient, call: IdpCall, run: () => Promise<T>): Promise<T> {
    return this.options.timeCall ? this.options.timeCall(provider.name, call, run) : run();
  }

  private async build(provider: ProviderClient): Promise<client.Configuration> {
    const { config } = provider;
    const quirks = vendorSpec(provider.vendor)?.quirks ?? {};
    const fetch = quirks.accessTokenPath
      ? liftAccessToken(this.options.fetch, quirks.accessTokenPath)
      : this.options.fetch;
    const auth = clientAuthentication(config, provider.clientSecret);
    const clientId = config.clientId ?? '';
    let configuration: client.Configuration;
    if ('discoveryUrl' in config.discovery) {
      const discoveryUrl = new URL(config.discovery.discoveryUrl);
      configuration = await this.timed(provider, 'discovery', () =>
        client.discovery(discoveryUrl, clientId, undefined, auth, {
          [client.customFetch]: fetch,
          ...(this.options.allowInsecureRequests ? { execute: [client.allowInsecureRequests] } : {}),
        }),
      ).catch((err: unknown) => {
        throw new OAuthError(
          'discovery_failed',
          `The discovery document of credential provider ${provider.name} could not be read; try again later`,
          { cause: err },
        );
      });
    } else {
      const m = config.discovery.authorizationServerMetadata;
      configuration = new client.Configuration(
        {
          issuer: m.issuer,
          authorization_endpoint: m.authorizationEndpoint,
          token_endpoint: m.tokenEndpoint,
          ...(m.tokenEndpointAuthMethods
            ? { token_endpoint_auth_methods_supported: m.tokenEndpointAuthMethods }
            : {}),
        },
        clientId,
        undefined,
        auth,
      );
      configuration[client.customFetch] = fetch;
      if (this.options.allowInsecureRequests) client.allowInsecureRequests(configuration);
    }
    return configuration;
  }
}

/**
 * The provider's client authentication: its configured method, else the one its fixed metadata
 * names, else client_secret_basic (the RFC 6749 default).
 */
function clientAuthentication(config: Oauth2ProviderConfig, secret: string): client.ClientAuth {
  const listed =
    'authorizationServerMetadata' in config.discovery
      ? config.discovery.authorizationServerMetadata.tokenEndpointAuthMethods?.[0]
      : undefined;
  const post =
    config.clientAuthenticationMethod === 'CLIENT_SECRET_POST' ||
    (!config.clientAuthenticationMethod && listed === 'client_secret_post');
  return post ? client.ClientSecretPost(secret) : client.ClientSecretBasic(secret);
}

/**
 * For vendors that answer the user's token somewhere else than `access_token` (Slack's
 * `authed_user.access_token`, with a top-level token of type `bot` or none at all): the token at
 * the vendor's path is lifted to the top level as a bearer token before openid-client, which
 * refuses answers without a bearer `access_token`, reads the answer.
 */
function liftAccessToken(fetch: typeof globalThis.fetch, path: string): typeof globalThis.fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (!response.headers.get('content-type')?.includes('json')) return response;
    const body: unknown = await response
      .clone()
      .json()
      .catch(() => undefined);
    const token = pick(body, path);
    if (typeof token !== 'string' || token.length === 0) return response;
    const lifted = { ...(body as Record<string, unknown>), access_token: token, token_type: 'bearer' };
    const headers = new Headers(response.headers);
    // The body is new: its length and encoding are no longer the server's.
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(JSON.stringify(lifted), {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  };
}

function pick(source: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (value, key) =>
        value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined,
      source,
    );
}

function toTokenSet(response: client.TokenEndpointResponse, quirks: VendorQuirks): TokenSet {
  const accessToken = quirks.accessTokenPath ? pick(response, quirks.accessTokenPath) : response.access_token;
  if (typeof accessToken !== 'string' || accessToken.length === 0)
    throw new OAuthError('no_access_token', 'The token response holds no access token');
  return {
    accessToken,
    ...(response.refresh_token ? { refreshToken: response.refresh_token } : {}),
    ...(response.id_token ? { idToken: response.id_token } : {}),
    ...(response.token_type ? { tokenType: response.token_type } : {}),
    ...(typeof response.expires_in === 'number' ? { expiresIn: response.expires_in } : {}),
    ...(typeof response.scope === 'string' ? { scope: response.scope } : {}),
  };
}

/** PKCE, state and nonce values, from openid-client's generators. */
export const randomValues = {
  codeVerifier: () => client.randomPKCECodeVerifier(),
  codeChallenge: (verifier: string) => client.calculatePKCECodeChallenge(verifier),
  state: () => client.randomState(),
  nonce: () => client.randomNonce(),
};

export { ResponseBodyError, AuthorizationResponseError, WWWAuthenticateChallengeError } from 'openid-client';
