import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetWorkloadAccessTokenForUserIdCommand } from '@aws-sdk/client-bedrock-agentcore';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ConnectionsRepository } from '../../libs/vault/connections.repository';
import { connectionId } from '../../libs/consent/user-key';
import { launchChromium } from '../helpers/browser';
import { askToken as askAnyToken } from '../helpers/consent-flow';
import {
  leaveBy,
  passIdp,
  registerAgentWithPortal,
  startAgentApp,
  type PortalSetup,
} from '../helpers/portal';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

const screenshotsDir = () => process.env.MANDATE_SCREENSHOTS_DIR;
const INJECTED = '<script>alert("x")</script><img src=x onerror=alert(1)>';

describe('the consent portal in Chromium: sign in, consent, see and revoke connections', () => {
  let test: TestStack;
  let setup: PortalSetup;
  let browser: Browser;
  let alice: BrowserContext;
  let app: Awaited<ReturnType<typeof startAgentApp>>;

  before(async () => {
    test = await startTestStack(await testStackEnv({ MANDATE_ALLOW_PRIVATE_NETWORK_URLS: 'true' }));
    app = await startAgentApp();
    setup = await registerAgentWithPortal(test, {
      returnUrl: app.returnUrl,
      workloadDescription: 'Drafts replies to your CRM notes',
    });
    browser = await launchChromium();
    alice = await browser.newContext();
    if (screenshotsDir()) mkdirSync(screenshotsDir()!, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await setup?.idp.stop();
    await app?.stop();
    await test?.destroy();
  });

  /** The agent asks for a token, coming back to its own app after a consent. */
  const askToken = (t: TestStack, wat: string, scopes: string[], extra: Record<string, unknown> = {}) =>
    askAnyToken(t, wat, scopes, { resourceOauth2ReturnUrl: app.returnUrl, ...extra });
  const watFor = async (userId: string) =>
    (await test.data().send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName: 'agent', userId })))
      .workloadAccessToken!;
  const aliceConnection = () =>
    connectionId('agent', test.stack.runtime.userKeys.hash({ kind: 'userId', userId: 'alice' }), 'idp');

  /** Opens the consent screen an agent's answer points at, signing in at the IdP first when needed. */
  async function openConsentScreen(page: Page, authorizationUrl: string, user: string) {
    await page.goto(authorizationUrl);
    await passIdp(page, setup.idp, user);
  }

  it('answers an authorization URL on the portal; the signed-in user sees the agent, scopes and caller, allows, and the agent gets the token', async () => {
    const wat = await watFor('alice');
    const started = await askToken(test, wat, ['read', 'offline_access'], {
      customParameters: { prompt: 'consent' },
      resources: ['https://api.mandate.test'],
    });
    assert.ok(started.authorizationUrl!.startsWith(`${setup.portalUrl}/consent/`), started.authorizationUrl);
    assert.equal(started.sessionStatus, 'IN_PROGRESS');

    const page = await alice.newPage();
    await openConsentScreen(page, started.authorizationUrl!, 'alice');
    assert.equal(page.url(), started.authorizationUrl);
    await page.getByRole('heading', { name: 'agent asks for access to your idp account' }).waitFor();
    const text = await page.locator('main').innerText();
    assert.match(text, /Requested by\s+admin/);
    assert.match(text, /Keep access while you are away/, 'offline_access is described in plain words');
    assert.match(text, /\bread\b/);
    assert.match(text, /https:\/\/api\.mandate\.test/);
    assert.match(text, /Drafts replies to your CRM notes/, "the workload's description tag");
    const headers = (await page.request.get(page.url())).headers();
    assert.match(headers['content-security-policy']!, /default-src 'none'/);
    assert.match(headers['content-security-policy']!, /frame-ancestors 'none'/);
    if (screenshotsDir())
      await page.screenshot({ path: join(screenshotsDir()!, 'portal-consent.png'), fullPage: true });
    // Readable on a phone: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
    if (screenshotsDir())
      await page.screenshot({ path: join(screenshotsDir()!, 'portal-consent-phone.png'), fullPage: true });

    // Allowed from the keyboard: Tab reaches the Allow button, Enter presses it.
    const before = page.url();
    for (let i = 0; i < 10; i += 1) {
      await page.keyboard.press('Tab');
      if (
        (await page.evaluate<string | undefined>('document.activeElement?.textContent?.trim()')) === 'Allow'
      )
        break;
    }
    assert.equal(
      await page.evaluate<string | undefined>('document.activeElement?.textContent?.trim()'),
      'Allow',
    );
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.href !== before);
    await passIdp(page, setup.idp, 'alice');
    await page.waitForURL(`${app.returnUrl}?**`);
    const back = new URL(page.url());
    assert.equal(back.searchParams.get('session_id'), started.sessionUri);

    // The portal completed the session binding: the agent's app made no CompleteResourceTokenAuth call.
    const polled = await askToken(test, wat, ['read', 'offline_access'], { sessionUri: started.sessionUri });
    assert.ok(polled.accessToken, 'the agent gets the token on its next poll');
    const again = await askToken(test, wat, ['read']);
    assert.equal(again.accessToken, polled.accessToken, 'later calls hit the vault');
  });

  it('shows caller-given scopes and audiences as text (no markup), and deny fails the session: the agent sees FAILED', async () => {
    const wat = await watFor('alice');
    const started = await askToken(test, wat, ['write', INJECTED], {
      forceAuthentication: true,
      audiences: [`"><b id="injected">${INJECTED}`],
    });
    const page = await alice.newPage();
    await openConsentScreen(page, started.authorizationUrl!, 'alice');
    const text = await page.locator('main').innerText();
    assert.ok(text.includes(INJECTED), 'the scope is shown verbatim');
    assert.equal(await page.locator('script, img, #injected').count(), 0, 'no injected element');
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL(`${app.returnUrl}?**`);
    assert.equal(new URL(page.url()).searchParams.get('error'), 'access_denied');
    let status: string | undefined;
    for (let i = 0; i < 50 && status !== 'FAILED'; i += 1) {
      status = (await askToken(test, wat, ['write'], { sessionUri: started.sessionUri })).sessionStatus;
      if (status !== 'FAILED') await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(status, 'FAILED');
  });

  it('another person signed in is refused, and nothing is granted', async () => {
    const wat = await watFor('alice');
    const started = await askToken(test, wat, ['write'], { forceAuthentication: true });
    const bob = await browser.newContext();
    const page = await bob.newPage();
    await openConsentScreen(page, started.authorizationUrl!, 'bob');
    await page.getByRole('heading', { name: 'This request is for someone else' }).waitFor();
    assert.doesNotMatch(await page.locator('main').innerText(), /Allow/);
    // Even a hand-made Allow post with bob's own valid form token is refused.
    const csrf = await page.locator('input[name=csrf]').first().inputValue();
    const posted = await page.request.post(started.authorizationUrl!, {
      form: { csrf, decision: 'allow' },
      headers: { origin: new URL(setup.portalUrl).origin },
      maxRedirects: 0,
    });
    assert.equal(posted.status(), 403);
    const session = await test.stack.runtime.repositories.sessions.find(
      started.sessionUri!.split('/').pop()!,
    );
    assert.equal(session?.portal?.decision, undefined, 'no decision was recorded');
    const bobs = await test.stack.runtime.repositories.connectionRecords.ofUsers([
      test.stack.runtime.userKeys.hash({ kind: 'userId', userId: 'bob' }),
    ]);
    assert.deepEqual(bobs, []);
    await bob.close();
  });

  it('my connections lists the connection with its agent, scopes, state and last use; another person sees none', async () => {
    const page = await alice.newPage();
    await page.goto(`${setup.portalUrl}/connections`);
    await page.getByRole('heading', { name: 'My connections' }).waitFor();
    const row = page.locator('tbody tr', { hasText: 'agent' });
    assert.equal(await row.count(), 1);
    const text = await row.innerText();
    assert.match(text, /idp/);
    assert.match(text, /\bread\b/, 'the scopes the provider granted');
    assert.match(text, /Active/);
    assert.doesNotMatch(await row.locator('td[data-label="Last used"]').innerText(), /never/);
    assert.doesNotMatch(await page.content(), /eyJ/, 'no token on the page');
    if (screenshotsDir())
      await page.screenshot({ path: join(screenshotsDir()!, 'portal-connections.png'), fullPage: true });

    const bob = await browser.newContext();
    const bobPage = await bob.newPage();
    await bobPage.goto(`${setup.portalUrl}/connections`);
    await passIdp(bobPage, setup.idp, 'bob');
    await bobPage.getByText('No agent holds access for you.').waitFor();
    await bob.close();
  });

  it('revoke: the provider refuses the old refresh token, and the agent is asked to consent again', async () => {
    const connections = new ConnectionsRepository(test.stack.runtime.db, test.stack.runtime.envelope);
    const refreshToken = (await connections.read(aliceConnection()))!.tokens.refreshToken!;
    assert.ok(refreshToken);
    const page = await alice.newPage();
    await page.goto(`${setup.portalUrl}/connections`);
    await page.getByRole('button', { name: 'Revoke agent at idp' }).click();
    await page.waitForURL(`${setup.portalUrl}/connections`);
    await page.locator('tbody tr', { hasText: 'Revoked' }).waitFor();

    const redeemed = await setup.idp.redeemRefreshToken(refreshToken);
    assert.equal(redeemed.status, 400);
    assert.equal(((await redeemed.json()) as { error: string }).error, 'invalid_grant');
    const next = await askToken(test, await watFor('alice'), ['read']);
    assert.ok(next.authorizationUrl?.startsWith(`${setup.portalUrl}/consent/`), 'a new consent is asked');
  });

  it('reconnect: a revoked connection is consented again from the portal and is active', async () => {
    const page = await alice.newPage();
    await page.goto(`${setup.portalUrl}/connections`);
    await page.getByRole('button', { name: 'Reconnect agent at idp' }).click();
    await leaveBy(page, page.getByRole('button', { name: 'Allow' }));
    await passIdp(page, setup.idp, 'alice');
    await page.waitForURL(`${setup.portalUrl}/connections?**`);
    await page.locator('tbody tr', { hasText: 'Active' }).waitFor();
    const token = await askToken(test, await watFor('alice'), ['read']);
    assert.ok(token.accessToken, 'the agent gets a token again without asking');
  });
});
