import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { freePort } from '../../libs/local-stack/ports';

export interface TestIdp {
  issuer: string;
  discoveryUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Requests the provider served per path, e.g. `requests.get('/jwks')`. */
  requests: Map<string, number>;
  /** Token endpoint outcomes per grant type (and per user), e.g. `grants.get('refresh_token:success:bob')`. */
  grants: Map<string, number>;
  /** A user who really logs in and consents; returns the tokens the code flow yields. */
  login(userId: string, options?: { scope?: string }): Promise<{ idToken: string; accessToken: string }>;
  /**
   * A user opens an authorization URL made by someone else (Mandate), logs in and consents (or
   * denies); answers where the IdP finally redirects the browser.
   */
  authorize(authorizationUrl: string, userId: string, options?: { deny?: boolean }): Promise<URL>;
  /** Stops answering (connections refused) until `resume`; grants and tokens are kept. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /**
   * Holds every token request for `ms` before handling it; a request whose caller hung up meanwhile
   * is dropped unprocessed (as when a client dies before its request reaches the server). 0 stops.
   */
  holdTokenRequests(ms: number): void;
  /** Token requests that arrived while holding. */
  heldTokenRequests: () => number;
  /** Gives the client a new secret, as an operator rotating it at the IdP would; the old one stops working. */
  rotateClientSecret(): Promise<string>;
  /** Redeems a refresh token at the token endpoint as the client, outside Mandate (to spend it, or to probe it). */
  redeemRefreshToken(refreshToken: string): Promise<Response>;
  /** Every on-behalf-of exchange the token endpoint granted: the grant, the user, the actor. */
  exchanges: { grantType: string; sub: string; actor?: string; scope: string }[];
  /** Signs arbitrary claims with the IdP's own key, for the tokens no real flow would issue. */
  sign(payload: JWTPayload, header?: Record<string, unknown>): Promise<string>;
  publicJwk: JWK;
  stop(): Promise<void>;
}

/** The audience of the IdP's JWT access tokens, as an API of the user's would define it. */
export const TEST_API_AUDIENCE = 'https://api.mandate.test';

const USERS: Record<string, { groups: string[]; department: string }> = {
  alice: { groups: ['sales', 'admins'], department: 'sales' },
  bob: { groups: ['engineering'], department: 'engineering' },
};

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** A cookie jar just big enough for oidc-provider's interaction cookies. */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const index = pair.indexOf('=');
      this.cookies.set(pair.slice(0, index), pair.slice(index + 1));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/**
 * A real OpenID Provider (node-oidc-provider) in this process, on a free loopback port: discovery,
 * JWKS, login and consent pages, the code flow with PKCE, ID tokens and JWT access tokens.
 */
export async function startTestIdp(
  options: {
    port?: number;
    redirectUris?: string[];
    accessTokenTtlSeconds?: number;
    /** Lifetime of client-credentials tokens (default 600 s). */
    clientCredentialsTtlSeconds?: number;
  } = {},
): Promise<TestIdp> {
  const port = options.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid: 'idp-key-1', alg: 'RS256', use: 'sig' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'idp-key-1', alg: 'RS256', use: 'sig' };
  const clientId = 'agent-app';
  let clientSecret = randomBytes(16).toString('hex');
  const redirectUri = `${issuer}/app/callback`;

  const configuration: Configuration = {
    jwks: { keys: [privateJwk] },
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri, ...(options.redirectUris ?? [])],
        grant_types: [
          'authorization_code',
          'refresh_token',
          'client_credentials',
          TOKEN_EXCHANGE,
          JWT_BEARER,
        ],
        response_types: ['code'],
        scope: 'openid profile read write offline_access',
      },
    ],
    scopes: ['openid', 'profile', 'read', 'write', 'offline_access'],
    // Every refresh token is single use; presenting a used one revokes the whole grant.
    rotateRefreshToken: () => true,
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, ...USERS[sub] }),
    }),
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => TEST_API_AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'read write',
          audience: TEST_API_AUDIENCE,
          accessTokenFormat: 'jwt',
        }),
      },
    },
    extraTokenClaims: (_ctx, token) => {
      const accountId = (token as { accountId?: string }).accountId;
      return accountId && USERS[accountId]
        ? { groups: USERS[accountId].groups, department: USERS[accountId].department }
        : {};
    },
    pkce: { required: () => true },
    ttl: {
      // Tokens granted the `write` scope live briefly when asked, so lifecycles can be watched refreshing.
      AccessToken: (_ctx, token) =>
        options.accessTokenTtlSeconds !== undefined &&
        (token as { scope?: string }).scope?.split(' ').includes('write')
          ? options.accessTokenTtlSeconds
          : 3600,
      ClientCredentials: options.clientCredentialsTtlSeconds ?? 600,
      IdToken: 3600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      RefreshToken: 86_400,
    },
    renderError: (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  };
  const provider = new Provider(issuer, configuration);
  const requests = new Map<string, number>();
  let holdMs = 0;
  let held = 0;
  provider.use(async (ctx, next) => {
    requests.set(ctx.path, (requests.get(ctx.path) ?? 0) + 1);
    if (holdMs > 0 && ctx.path === '/token') {
      held += 1;
      await new Promise((resolve) => setTimeout(resolve, holdMs));
      if (ctx.req.socket.destroyed) return;
    }
    await next();
  });
  const grants = new Map<string, number>();
  const countGrant =
    (outcome: string) =>
    (ctx: {
      oidc?: { params?: { grant_type?: unknown }; entities?: { RefreshToken?: { accountId?: string } } };
    }) => {
      const key = `${String(ctx.oidc?.params?.grant_type)}:${outcome}`;
      grants.set(key, (grants.get(key) ?? 0) + 1);
      // Per user too, so one connection's refreshes are told apart from another's.
      const account = ctx.oidc?.entities?.RefreshToken?.accountId;
      if (account) grants.set(`${key}:${account}`, (grants.get(`${key}:${account}`) ?? 0) + 1);
    };
  provider.on('grant.success', countGrant('success'));

  // On-behalf-of grants, as a deployment would add them to this server: the user's token (one this
  // IdP issued) is traded for an access token to the API, with the agent as actor when it sends its own.
  const exchanges: TestIdp['exchanges'] = [];
  const verifyOwn = async (token: unknown, what: string) => {
    try {
      return (await jwtVerify(String(token), publicKey, { issuer, algorithms: ['RS256'] })).payload;
    } catch {
      throw new errors.InvalidGrant(`${what} is not valid`);
    }
  };
  const onBehalfOf = (grantType: string) => async (ctx: KoaContextWithOIDC) => {
    const params = ctx.oidc.params as Record<string, unknown>;
    const isExchange = grantType === TOKEN_EXCHANGE;
    const subject = await verifyOwn(isExchange ? params.subject_token : params.assertion, 'subject token');
    const actor =
      isExchange && params.actor_token ? await verifyOwn(params.actor_token, 'actor token') : undefined;
    if (actor && actor.client_id !== ctx.oidc.client?.clientId)
      throw new errors.InvalidGrant('the actor is not this client');
    const scope = (typeof params.scope === 'string' ? params.scope : '')
      .split(' ')
      .filter((s) => s === 'read' || s === 'write')
      .join(' ');
    const ttl =
      scope.includes('write') && options.accessTokenTtlSeconds ? options.accessTokenTtlSeconds : 3600;
    const sub = String(subject.sub);
    const accessToken = await new SignJWT({
      scope,
      client_id: ctx.oidc.client?.clientId,
      ...(actor ? { act: { sub: actor.client_id } } : {}),
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'idp-key-1', typ: 'at+jwt' })
      .setIssuer(issuer)
      .setSubject(sub)
      .setAudience(TEST_API_AUDIENCE)
      .setIssuedAt()
      .setJti(randomBytes(8).toString('hex'))
      .setExpirationTime(`${ttl}s`)
      .sign(privateKey);
    exchanges.push({ grantType, sub, ...(actor ? { actor: String(actor.client_id) } : {}), scope });
    ctx.body = {
      access_token: accessToken,
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      expires_in: ttl,
      scope,
    };
  };
  const exchangeParameters = ['scope', 'resource', 'audience', 'requested_token_type'];
  provider.registerGrantType(
    TOKEN_EXCHANGE,
    onBehalfOf(TOKEN_EXCHANGE),
    ['subject_token', 'subject_token_type', 'actor_token', 'actor_token_type', ...exchangeParameters],
    ['resource', 'audience'],
  );
  provider.registerGrantType(JWT_BEARER, onBehalfOf(JWT_BEARER), ['assertion', ...exchangeParameters]);
  provider.on('grant.error', (ctx: Parameters<ReturnType<typeof countGrant>>[0], err: { error?: string }) => {
    countGrant('error')(ctx);
    // By OAuth error code too, e.g. `error:invalid_client` after a client secret rotation.
    grants.set(`error:${err.error}`, (grants.get(`error:${err.error}`) ?? 0) + 1);
  });
  const listen = (): Promise<Server> =>
    new Promise((resolve) => {
      const s = provider.listen(port, '127.0.0.1', () => resolve(s));
    });
  let server = await listen();
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });

  /** A browser with a cookie jar: follows the IdP's redirects, logs in, consents; stops when it leaves the IdP. */
  async function browse(startUrl: string, userId: string, deny = false): Promise<URL> {
    const jar = new CookieJar();
    let location = startUrl;
    for (let step = 0; step < 12; step += 1) {
      const target = new URL(location, issuer);
      if (target.origin !== issuer || target.href.startsWith(redirectUri)) return target;
      let response = await fetch(target, { redirect: 'manual', headers: { cookie: jar.header() } });
      jar.store(response);
      if (response.status === 200) {
        const html = await response.text();
        if (deny) {
          response = await fetch(new URL(`${target.pathname}/abort`, issuer), {
            redirect: 'manual',
            headers: { cookie: jar.header() },
          });
        } else {
          const form: Record<string, string> = html.includes('name="login"')
            ? { prompt: 'login', login: userId, password: 'any' }
            : { prompt: 'consent' };
          response = await fetch(target, {
            method: 'POST',
            redirect: 'manual',
            headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams(form).toString(),
          });
        }
        jar.store(response);
      }
      const next = response.headers.get('location');
      if (!next) throw new Error(`login stopped at ${target.pathname} with HTTP ${response.status}`);
      location = next;
    }
    throw new Error('too many redirects at the IdP');
  }

  async function login(userId: string, options: { scope?: string } = {}) {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const state = randomBytes(8).toString('hex');
    const authorize = new URL('/auth', issuer);
    authorize.search = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: options.scope ?? 'openid profile read',
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      resource: TEST_API_AUDIENCE,
    }).toString();

    const location = (await browse(authorize.href, userId)).href;
    const callback = new URL(location, issuer);
    const code = callback.searchParams.get('code');
    if (!code || callback.searchParams.get('state') !== state)
      throw new Error(`login did not return a code: ${location}`);
    const tokenResponse = await fetch(new URL('/token', issuer), {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
        resource: TEST_API_AUDIENCE,
      }).toString(),
    });
    const tokens = (await tokenResponse.json()) as {
      id_token?: string;
      access_token?: string;
      error?: string;
    };
    if (!tokens.id_token || !tokens.access_token) throw new Error(`token request failed: ${tokens.error}`);
    return { idToken: tokens.id_token, accessToken: tokens.access_token };
  }

  return {
    issuer,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    clientId,
    get clientSecret() {
      return clientSecret;
    },
    redirectUri,
    requests,
    grants,
    login,
    authorize: (url, userId, opts) => browse(url, userId, opts?.deny ?? false),
    async rotateClientSecret() {
      const client = await provider.Client.find(clientId);
      if (!client) throw new Error('the test client is gone');
      clientSecret = randomBytes(16).toString('hex');
      (client as { clientSecret?: string }).clientSecret = clientSecret;
      return clientSecret;
    },
    redeemRefreshToken: (refreshToken) =>
      fetch(new URL('/token', issuer), {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
      }),
    publicJwk,
    exchanges,
    sign: (payload, header = {}) =>
      new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'idp-key-1', ...header }).sign(privateKey),
    pause: close,
    async resume() {
      server = await listen();
    },
    holdTokenRequests(ms) {
      holdMs = ms;
    },
    heldTokenRequests: () => held,
    stop: close,
  };
}
