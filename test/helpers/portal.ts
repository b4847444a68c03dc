import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConsentPortalSourceType } from '@aws-sdk/client-bedrock-agentcore-control';
import {
  CreateConsentPortalCommand,
  CreateWorkloadIdentityCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import type { Locator, Page } from 'playwright-core';
import { freePort } from '../../libs/local-stack/ports';
import { createPendingIdpProvider } from './consent-flow';
import { startTestIdp, type TestIdp } from './oidc-idp';
import type { TestStack } from './stack';

/** A consent portal whose consent screen workload `agent` goes through; people sign in at the same test IdP as provider `idp`. */
export interface PortalSetup {
  idp: TestIdp;
  portalId: string;
  portalUrl: string;
}

/**
 * Workload `agent` (described by a tag, as the consent screen shows it), OAuth2 provider `idp` at a
 * fresh test IdP, and portal `people` signing in through that provider, with `agent` as its source.
 * The IdP knows both the provider's callback URL and the portal's.
 */
export async function registerAgentWithPortal(
  test: TestStack,
  options: { returnUrl: string; workloadDescription?: string },
): Promise<PortalSetup> {
  const control = test.control();
  const idpPort = await freePort();
  await control.send(
    new CreateWorkloadIdentityCommand({
      name: 'agent',
      allowedResourceOauth2ReturnUrls: [options.returnUrl],
      tags: { description: options.workloadDescription ?? 'Reads your CRM notes to draft replies' },
    }),
  );
  const { provider, connect } = await createPendingIdpProvider(test, idpPort);
  const portal = await control.send(
    new CreateConsentPortalCommand({
      name: 'people',
      description: 'Where our people consent to agents',
      idpConfig: { credentialProviderArn: provider.credentialProviderArn, scopes: ['openid', 'profile'] },
      sources: [{ type: 'workload-identity' as ConsentPortalSourceType, identifier: 'agent' }],
      executionRoleArn: 'arn:aws:iam::000000000000:role/unused',
    }),
  );
  const idp = await startTestIdp({
    port: idpPort,
    redirectUris: [provider.callbackUrl!, `${portal.portalUrl!}/callback`],
  });
  await connect(idp);
  return { idp, portalId: portal.consentPortalId!, portalUrl: portal.portalUrl! };
}

/**
 * Goes through the test IdP's own pages (oidc-provider's login and consent prompts) as `user`, until
 * the browser leaves the IdP.
 */
export async function passIdp(page: Page, idp: TestIdp, user: string): Promise<void> {
  for (let step = 0; step < 6; step += 1) {
    await page.waitForLoadState();
    if (!page.url().startsWith(`${idp.issuer}/`)) return;
    const login = page.locator('input[name=login]');
    if ((await login.count()) > 0) {
      await login.fill(user);
      await page.locator('input[name=password]').fill('anything');
    }
    await Promise.all([page.waitForNavigation(), page.locator('button[type=submit]').first().click()]);
  }
  throw new Error(`still at the IdP: ${page.url()}`);
}

/** Clicks something that navigates, and waits until the browser has left the page it was on. */
export async function leaveBy(page: Page, target: Locator): Promise<void> {
  const before = page.url();
  await target.click();
  await page.waitForURL((url) => url.href !== before);
}

/** The agent's own app, where the browser comes back to after a consent: one page on a loopback port. */
export async function startAgentApp(): Promise<{ returnUrl: string; stop(): Promise<void> }> {
  const server = createServer((_request, response) => {
    response
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><title>App</title><h1>Back in the app</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    returnUrl: `http://127.0.0.1:${port}/oauth/return`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
