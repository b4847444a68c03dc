import {
  CompleteResourceTokenAuthCommand,
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenForUserIdCommand,
} from '@aws-sdk/client-bedrock-agentcore';
import {
  CreateOauth2CredentialProviderCommand,
  CreateWorkloadIdentityCommand,
  UpdateOauth2CredentialProviderCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { ConnectionsRepository } from '../../libs/vault/connections.repository';
import { connectionId } from '../../libs/consent/user-key';
import { freePort } from '../../libs/local-stack/ports';
import { startTestIdp, type TestIdp } from './oidc-idp';
import type { TestStack } from './stack';

export const RETURN_URL = 'https://app.example.com/oauth/return';

/**
 * Workload `agent` and OAuth2 provider `idp` on a fresh test IdP that knows the provider's callback
 * URL (created with placeholder credentials first, as AgentCore's setup order has it).
 */
export async function registerAgentAndIdp(
  test: TestStack,
  idpOptions: { accessTokenTtlSeconds?: number; clientCredentialsTtlSeconds?: number } = {},
): Promise<TestIdp> {
  const idpPort = await freePort();
  const control = test.control();
  await control.send(
    new CreateWorkloadIdentityCommand({ name: 'agent', allowedResourceOauth2ReturnUrls: [RETURN_URL] }),
  );
  const pending = await createPendingIdpProvider(test, idpPort);
  const idp = await startTestIdp({
    port: idpPort,
    redirectUris: [pending.provider.callbackUrl!],
    ...idpOptions,
  });
  await pending.connect(idp);
  return idp;
}

/**
 * Provider `idp` for a test IdP still to be started on `idpPort` (so it can know the provider's
 * callback URL): created with placeholder credentials first, as AgentCore's setup order has it;
 * `connect` gives it the started IdP's client.
 */
export async function createPendingIdpProvider(test: TestStack, idpPort: number) {
  const control = test.control();
  const discoveryUrl = `http://127.0.0.1:${idpPort}/.well-known/openid-configuration`;
  const providerConfig = (clientId: string, clientSecret: string) => ({
    name: 'idp',
    credentialProviderVendor: 'CustomOauth2' as const,
    oauth2ProviderConfigInput: {
      customOauth2ProviderConfig: { oauthDiscovery: { discoveryUrl }, clientId, clientSecret },
    },
  });
  const provider = await control.send(new CreateOauth2CredentialProviderCommand(providerConfig('x', 'x')));
  return {
    provider,
    connect: (idp: TestIdp) =>
      control.send(new UpdateOauth2CredentialProviderCommand(providerConfig(idp.clientId, idp.clientSecret))),
  };
}

/**
 * An OAuth2 credential provider at a test IdP, with its client (inline secret unless `config`
 * says otherwise, e.g. an EXTERNAL secret or an on-behalf-of configuration).
 */
export function createIdpProvider(
  test: TestStack,
  idp: TestIdp,
  name: string,
  config: Record<string, unknown> = { clientSecret: idp.clientSecret },
) {
  return test.control().send(
    new CreateOauth2CredentialProviderCommand({
      name,
      credentialProviderVendor: 'CustomOauth2',
      oauth2ProviderConfigInput: {
        customOauth2ProviderConfig: {
          oauthDiscovery: { discoveryUrl: idp.discoveryUrl },
          clientId: idp.clientId,
          ...config,
        },
      },
    }),
  );
}

/** Asks for a USER_FEDERATION token of provider `idp` for workload `agent`. */
export function askToken(
  test: TestStack,
  wat: string,
  scopes: string[],
  extra: Record<string, unknown> = {},
) {
  return test.data().send(
    new GetResourceOauth2TokenCommand({
      workloadIdentityToken: wat,
      resourceCredentialProviderName: 'idp',
      scopes,
      oauth2Flow: 'USER_FEDERATION',
      resourceOauth2ReturnUrl: RETURN_URL,
      ...extra,
    }),
  );
}

/**
 * Makes a connection's stored access token expired a moment ago, behind the service's back (as the
 * passing of time would), and drops the API's cached copy of it.
 * @returns what was stored before
 */
export async function expireStoredToken(test: TestStack, id: string) {
  const { runtime } = test.stack;
  const connections = new ConnectionsRepository(runtime.db, runtime.envelope);
  const stored = (await connections.read(id))!;
  await connections.save(
    { ...stored.connection, expiresAt: new Date(Date.now() - 1000) },
    stored.tokens,
    new Date(),
  );
  runtime.repositories.connections.forgetCached(id);
  return stored;
}

/** A full consent of `userId` with offline access, so the connection holds a refresh token. */
export async function consentAs(test: TestStack, idp: TestIdp, userId: string, scopes: string[]) {
  const data = test.data();
  const wat = (await data.send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName: 'agent', userId })))
    .workloadAccessToken!;
  const started = await askToken(test, wat, [...scopes, 'offline_access'], {
    customParameters: { prompt: 'consent' },
  });
  const callback = await idp.authorize(started.authorizationUrl!, userId);
  await fetch(callback, { redirect: 'manual' });
  await data.send(
    new CompleteResourceTokenAuthCommand({ sessionUri: started.sessionUri, userIdentifier: { userId } }),
  );
  const token = (await askToken(test, wat, scopes, { sessionUri: started.sessionUri })).accessToken!;
  const user = test.stack.runtime.userKeys.hash({ kind: 'userId', userId });
  return { wat, token, id: connectionId('agent', user, 'idp') };
}
