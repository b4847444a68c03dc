import { randomBytes } from 'node:crypto';
import { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import {
  BedrockAgentCoreControlClient,
  ConflictException,
  CreateOauth2CredentialProviderCommand,
  CreateWorkloadIdentityCommand,
  GetOauth2CredentialProviderCommand,
  ResourceNotFoundException,
  UpdateOauth2CredentialProviderCommand,
  UpdateWorkloadIdentityCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { readCredentialsFile } from '../../../libs/auth/bootstrap-admin';
import type { Config } from '../../../libs/config/config';
import { assertPortFree } from '../../../libs/local-stack/ports';
import type { Logger } from '../../../libs/logging/logger';
import { startLocalStack, type LocalStack } from '../../standalone/src/local-stack';
import { DEMO, startDemoApp, type DemoApp } from './demo-app';
import { startDemoIdp, type DemoIdp } from './demo-idp';

export interface Demo {
  stack: LocalStack;
  idp: DemoIdp;
  app: DemoApp;
  stop(): Promise<void>;
}

/**
 * `npm run demo`: the local stack as `npm start` runs it, a demo identity provider, and the agent's
 * web app; registers the workload identity `demo-agent` and the OAuth2 credential provider
 * `demo-idp`, through the control plane as an operator would. Private URLs are allowed for the demo
 * IdP's origin only.
 */
export async function startDemo(config: Config, log: Logger): Promise<Demo> {
  await assertPortFree(config.demo.idpPort, 'demo identity provider', 'MANDATE_DEMO_IDP_PORT');
  await assertPortFree(config.demo.appPort, "demo agent's web app", 'MANDATE_DEMO_APP_PORT');
  const idpOrigin = `http://127.0.0.1:${config.demo.idpPort}`;
  const stack = await startLocalStack(
    {
      ...config,
      outbound: {
        ...config.outbound,
        allowedPrivateOrigins: [...config.outbound.allowedPrivateOrigins, idpOrigin],
      },
    },
    log,
  );
  let idp: DemoIdp | undefined;
  let app: DemoApp | undefined;
  const stop = async () => {
    await app?.stop();
    await idp?.stop();
    await stack.stop();
  };
  try {
    const credentials = config.auth.adminCredentials ?? readCredentialsFile(config.auth.adminCredentialsFile);
    const clientOptions = { endpoint: stack.apiUrl, region: config.deployment.region, credentials };
    const control = new BedrockAgentCoreControlClient(clientOptions);
    app = await startDemoApp({
      port: config.demo.appPort,
      data: new BedrockAgentCoreClient(clientOptions),
      temporalUiUrl: stack.temporalUiUrl,
    });

    const returnUrls = [app.returnUrl];
    await control
      .send(
        new CreateWorkloadIdentityCommand({
          name: DEMO.workloadName,
          allowedResourceOauth2ReturnUrls: returnUrls,
        }),
      )
      .catch(async (err: unknown) => {
        if (!(err instanceof ConflictException)) throw err;
        await control.send(
          new UpdateWorkloadIdentityCommand({
            name: DEMO.workloadName,
            allowedResourceOauth2ReturnUrls: returnUrls,
          }),
        );
      });

    // The IdP must know the provider's callback URL, which Mandate assigns when the provider is
    // created and keeps across updates; the client secret is new on every start (the IdP is in memory).
    const clientId = 'mandate-demo';
    const clientSecret = randomBytes(24).toString('base64url');
    const providerInput = (secret: string) => ({
      name: DEMO.providerName,
      credentialProviderVendor: 'CustomOauth2' as const,
      oauth2ProviderConfigInput: {
        customOauth2ProviderConfig: {
          oauthDiscovery: { discoveryUrl: `${idpOrigin}/.well-known/openid-configuration` },
          clientId,
          clientSecret: secret,
        },
      },
    });
    const existing = await control
      .send(new GetOauth2CredentialProviderCommand({ name: DEMO.providerName }))
      .catch((err: unknown) => {
        if (err instanceof ResourceNotFoundException) return undefined;
        throw err;
      });
    const callbackUrl =
      existing?.callbackUrl ??
      (await control.send(new CreateOauth2CredentialProviderCommand(providerInput('not-yet-known'))))
        .callbackUrl!;
    idp = await startDemoIdp({ port: config.demo.idpPort, clientId, clientSecret, redirectUri: callbackUrl });
    await control.send(new UpdateOauth2CredentialProviderCommand(providerInput(clientSecret)));
    return { stack, idp, app, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
