import type { Server } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';

export interface DemoIdp {
  issuer: string;
  discoveryUrl: string;
  stop(): Promise<void>;
}

const BANNER =
  '<p style="background:#fde68a;padding:8px 12px;margin:0 0 16px;font:14px sans-serif">' +
  '<strong>Mandate demo identity provider.</strong> Any user name signs in, with any password. ' +
  'It keeps everything in memory and is not for production.</p>';

/**
 * The demo's OAuth 2.0 / OpenID Connect server: node-oidc-provider with its development sign-in and
 * consent pages (any user name signs in), one confidential client for Mandate, PKCE required,
 * refresh tokens for `offline_access`, and five-minute access tokens so that refreshes can be watched
 * in the Temporal UI.
 */
export async function startDemoIdp(options: {
  port: number;
  clientId: string;
  clientSecret: string;
  /** The credential provider's callback URL at Mandate. */
  redirectUri: string;
}): Promise<DemoIdp> {
  const issuer = `http://127.0.0.1:${options.port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const configuration: Configuration = {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'demo-key', alg: 'RS256', use: 'sig' }] },
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        scope: 'openid profile offline_access',
      },
    ],
    scopes: ['openid', 'profile', 'offline_access'],
    claims: { openid: ['sub'], profile: ['name'] },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub, name: sub }) }),
    features: { devInteractions: { enabled: true }, revocation: { enabled: true } },
    pkce: { required: () => true },
    rotateRefreshToken: () => true,
    ttl: {
      AccessToken: 300,
      IdToken: 300,
      Interaction: 600,
      Session: 3600,
      Grant: 86_400,
      RefreshToken: 86_400,
    },
  };
  const provider = new Provider(issuer, configuration);
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path.startsWith('/interaction/') && typeof ctx.body === 'string')
      ctx.body = ctx.body.replace('<body>', `<body>${BANNER}`);
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = provider.listen(options.port, '127.0.0.1', () => resolve(listening));
    listening.once('error', reject);
  });
  return {
    issuer,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
