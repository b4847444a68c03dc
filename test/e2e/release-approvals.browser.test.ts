import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AccessDeniedException,
  GetResourceApiKeyCommand,
  GetWorkloadAccessTokenForUserIdCommand,
} from '@aws-sdk/client-bedrock-agentcore';
import {
  CreateApiKeyCredentialProviderCommand,
  CreatePolicyCommand,
  CreatePolicyEngineCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { decodeJwt } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { listAuditEvents } from '../../libs/audit/audit-log';
import type { ManagedProcess } from '../../libs/local-stack/child-process';
import { approvalWorkflowId } from '../../workflows/release-approval/definitions';
import { launchChromium } from '../helpers/browser';
import { askToken as askAnyToken } from '../helpers/consent-flow';
import {
  leaveBy,
  passIdp,
  registerAgentWithPortal,
  startAgentApp,
  type PortalSetup,
} from '../helpers/portal';
import { startPostgres, type TestPostgres } from '../helpers/postgres';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';
import { startWebhookReceiver } from '../helpers/webhook-receiver';
import { startWorkerProcess } from '../helpers/worker-process';

const APPROVAL_TTL_SECONDS = 15;
const WRITE_NEEDS_APPROVAL = `@approval("user")
@approvalWindow("3600")
forbid(principal, action == Mandate::Action::"ReleaseToken", resource)
when { context.scopes.contains("write") }
unless { context.approved };`;
const KEY_NEEDS_APPROVAL = `@approval("user")
forbid(principal, action == Mandate::Action::"ReleaseApiKey", resource)
unless { context.approved };`;

/**
 * Human approval of token releases, end to end: an operator attaches a policy engine through the
 * official SDK with a rule that needs the user's approval for one scope; the unmodified
 * bedrock-agentcore SDK waits while the user approves on the consent portal in Chromium. The worker
 * runs in its own process (on PostgreSQL), so it can be killed while an approval waits.
 */
describe('release approvals: a Cedar policy asks the user, who approves on the portal', () => {
  let postgres: TestPostgres;
  let test: TestStack;
  let setup: PortalSetup;
  let worker: ManagedProcess;
  let browser: Browser;
  let alice: BrowserContext;
  let app: Awaited<ReturnType<typeof startAgentApp>>;

  before(async () => {
    postgres = await startPostgres();
    test = await startTestStack(
      await testStackEnv({
        DATABASE_URL: postgres.url,
        MANDATE_ALLOW_PRIVATE_NETWORK_URLS: 'true',
        MANDATE_APPROVAL_TTL_SECONDS: String(APPROVAL_TTL_SECONDS),
      }),
      { worker: false },
    );
    worker = await startWorkerProcess(test, 'approvals-worker-1');
    app = await startAgentApp();
    setup = await registerAgentWithPortal(test, { returnUrl: app.returnUrl });
    browser = await launchChromium();
    alice = await browser.newContext();

    // The operator, through the official control-plane client and Mandate's extension.
    const engine = await test.control().send(new CreatePolicyEngineCommand({ name: 'crm_rules' }));
    const attached = await test.extension('AttachPolicyEngine', {
      policyEngineId: engine.policyEngineId,
      tokenVault: true,
    });
    assert.equal(attached.status, 200, JSON.stringify(attached.body));
    for (const [name, statement, description] of [
      ['everything', 'permit(principal, action, resource);', 'Agents may use what users granted'],
      ['approve_write', WRITE_NEEDS_APPROVAL, 'Writing to the CRM needs your approval each time'],
      ['approve_keys', KEY_NEEDS_APPROVAL, 'API keys are released only with approval'],
    ]) {
      await test.control().send(
        new CreatePolicyCommand({
          policyEngineId: engine.policyEngineId,
          name,
          description,
          definition: { cedar: { statement } },
        }),
      );
    }
    await test
      .control()
      .send(new CreateApiKeyCredentialProviderCommand({ name: 'search', apiKey: 'sk-search-1' }));
  });

  after(async () => {
    await browser?.close();
    await worker?.stop();
    await setup?.idp.stop();
    await app?.stop();
    await test?.destroy();
    await postgres?.stop();
  });

  const watFor = async (userId: string) =>
    (await test.data().send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName: 'agent', userId })))
      .workloadAccessToken!;
  const askToken = (wat: string, scopes: string[], extra: Record<string, unknown> = {}) =>
    askAnyToken(test, wat, scopes, { resourceOauth2ReturnUrl: app.returnUrl, ...extra });
  const approvalIdOf = (sessionUri: string) =>
    sessionUri
      .split(':')
      .at(-1)!
      .replace(/^approval-/, '');
  const state = (approvalId: string) =>
    test.stack.runtime.temporal.workflow.getHandle(approvalWorkflowId(approvalId)).result();

  /** The bedrock-agentcore SDK's `withAccessToken`, unmodified: onAuthUrl gets the URL, its polling waits. */
  async function agentTool(userId: string, scopes: string[], onAuthUrl: (url: string) => Promise<void>) {
    test.pointSdkEnvironment();
    const { withAccessToken } = await import('bedrock-agentcore/identity');
    return withAccessToken({
      workloadIdentityToken: await watFor(userId),
      providerName: 'idp',
      scopes,
      authFlow: 'USER_FEDERATION',
      callbackUrl: app.returnUrl,
      onAuthUrl,
    })((token: string) => Promise.resolve(token));
  }

  async function openApproval(page: Page, url: string, user: string) {
    await page.goto(url);
    await passIdp(page, setup.idp, user);
    assert.equal(page.url(), url, 'back on the approval page after signing in');
  }

  /** Presses an answer's button; the page that says it was recorded has the same address. */
  async function answer(page: Page, button: string, heading: string) {
    await page.getByRole('button', { name: button }).click();
    await page.getByRole('heading', { name: heading }).waitFor();
  }

  it('the SDK waits; the user approves once on the portal, consents (the vault had no token), and the SDK gets the token', async () => {
    let approvalUrl = '';
    const tool = await agentTool('alice', ['read', 'write'], async (url) => {
      approvalUrl = url;
      const page = await alice.newPage();
      await openApproval(page, url, 'alice');
      await page.getByRole('heading', { name: 'agent asks to use a token of your idp account' }).waitFor();
      const text = await page.locator('main').innerText();
      assert.match(text, /Writing to the CRM needs your approval each time/, 'why: the policy description');
      assert.match(text, /approve_write/);
      assert.match(text, /\bwrite\b/);
      assert.match(text, /Requested by\s+admin/);
      assert.match(text, /Approve for 1 hour/, 'the window the policy allows');
      if (process.env.MANDATE_SCREENSHOTS_DIR) {
        mkdirSync(process.env.MANDATE_SCREENSHOTS_DIR, { recursive: true });
        await page.screenshot({
          path: join(process.env.MANDATE_SCREENSHOTS_DIR, 'portal-approval.png'),
          fullPage: true,
        });
      }
      await leaveBy(page, page.getByRole('button', { name: 'Approve once' }));
      // The vault holds no token yet: the user's consent follows on the portal.
      await page.getByRole('heading', { name: 'agent asks for access to your idp account' }).waitFor();
      await leaveBy(page, page.getByRole('button', { name: 'Allow' }));
      await passIdp(page, setup.idp, 'alice');
      await page.waitForURL(`${app.returnUrl}?**`);
      await page.close();
    });
    const token = await tool();
    assert.ok(approvalUrl.startsWith(`${setup.portalUrl}/approvals/`), approvalUrl);
    assert.equal(decodeJwt(token).sub, 'alice');
    assert.match(String(decodeJwt(token).scope), /\bwrite\b/);
    const approvalId = approvalUrl.split('/').at(-1)!;
    assert.equal(await state(approvalId), 'APPROVED');

    // Approved once: the next release with `write` asks again; one without it needs no approval.
    const wat = await watFor('alice');
    const again = await askToken(wat, ['read', 'write']);
    assert.equal(again.accessToken, undefined);
    assert.ok(again.authorizationUrl?.startsWith(`${setup.portalUrl}/approvals/`));
    assert.notEqual(again.authorizationUrl, approvalUrl, 'a new approval: the first one is used');
    assert.equal((await askToken(wat, ['read'])).accessToken, token, 'read is served from the vault');
    const repeat = await askToken(wat, ['read', 'write']);
    assert.equal(repeat.authorizationUrl, again.authorizationUrl, 'a waiting approval is found again');

    const events = await listAuditEvents(test.stack.runtime.db, { limit: 500 });
    const asked = events.find((e) => e.operation === 'RequestTokenReleaseApproval');
    const decided = events.find(
      (e) => e.operation === 'DecideTokenReleaseApproval' && e.detail?.approvalId === approvalId,
    );
    assert.equal(asked?.detail?.scopes, 'read write');
    assert.equal(decided?.outcome, 'APPROVED');
    assert.ok(!JSON.stringify(events).includes(token), 'no token in the audit log');
  });

  it('approved for the window the policy allows: releases of the same request go ahead without asking', async () => {
    const wat = await watFor('alice');
    const waiting = await askToken(wat, ['read', 'write']);
    const page = await alice.newPage();
    await openApproval(page, waiting.authorizationUrl!, 'alice');
    await answer(page, 'Approve for 1 hour', 'Approved');
    await page.close();
    await state(approvalIdOf(waiting.sessionUri!));
    const polled = await askToken(wat, ['read', 'write'], { sessionUri: waiting.sessionUri });
    assert.ok(polled.accessToken, 'the poll gets the token');
    for (let i = 0; i < 3; i += 1) {
      assert.equal(
        (await askToken(wat, ['read', 'write'])).accessToken,
        polled.accessToken,
        'within the window',
      );
    }
    assert.ok(
      (await askToken(wat, ['write'])).authorizationUrl,
      'another request is not covered by the window',
    );
  });

  it('someone else cannot approve a request that needs the user’s own approval; the user denies, and the poll fails', async () => {
    const aliceWat = await watFor('alice');
    const waiting = await askToken(aliceWat, ['write']);
    const bob = await browser.newContext();
    const page = await bob.newPage();
    await page.goto(waiting.authorizationUrl!);
    await passIdp(page, setup.idp, 'bob');
    await page.getByRole('heading', { name: 'This request is not yours to answer' }).waitFor();
    await page.goto(`${setup.portalUrl}/connections`);
    assert.doesNotMatch(await page.locator('main').innerText(), /Waiting for your approval/);
    await bob.close();

    const own = await alice.newPage();
    await own.goto(`${setup.portalUrl}/connections`);
    await own.getByRole('heading', { name: 'Waiting for your approval' }).waitFor();
    await leaveBy(own, own.getByRole('link', { name: /agent at idp/ }).first());
    await answer(own, 'Deny', 'Denied');
    await own.close();
    assert.equal(await state(approvalIdOf(waiting.sessionUri!)), 'DENIED');
    await assert.rejects(
      askToken(aliceWat, ['write'], { sessionUri: waiting.sessionUri }),
      (err: unknown) => err instanceof AccessDeniedException && /denied this release/.test(err.message),
    );
  });

  it('fails the request when no approver answers in time', async () => {
    const wat = await watFor('alice');
    const waiting = await askToken(wat, ['read', 'write', 'profile']);
    assert.equal(waiting.sessionStatus, 'IN_PROGRESS');
    assert.equal(await state(approvalIdOf(waiting.sessionUri!)), 'EXPIRED');
    await assert.rejects(
      askToken(wat, ['read', 'write', 'profile'], { sessionUri: waiting.sessionUri }),
      (err: unknown) => err instanceof AccessDeniedException && /in time/.test(err.message),
    );
  });

  it('loses no approval when the worker is killed while it waits', async () => {
    const tool = await agentTool('alice', ['write'], async (url) => {
      await worker.kill();
      const page = await alice.newPage();
      await openApproval(page, url, 'alice');
      // The answer is in the workflow's history; the new worker records it.
      await answer(page, 'Approve once', 'Approved');
      await page.close();
      worker = await startWorkerProcess(test, 'approvals-worker-2');
    });
    const token = await tool();
    assert.equal(decodeJwt(token).sub, 'alice');
  });

  it('GetResourceApiKey names the approval to wait for; ApproveTokenRelease approves as the verified user only; webhooks tell of both', async () => {
    const receiver = await startWebhookReceiver(() => 200);
    const subscribed = await test.extension('CreateWebhookSubscription', {
      name: 'approvals',
      url: receiver.url,
      events: ['approval.requested', 'approval.decided'],
    });
    assert.equal(subscribed.status, 201, JSON.stringify(subscribed.body));
    const wat = await watFor('alice');
    const ask = () =>
      test.data().send(
        new GetResourceApiKeyCommand({
          workloadIdentityToken: wat,
          resourceCredentialProviderName: 'search',
        }),
      );
    let approvalId = '';
    await assert.rejects(ask(), (err: unknown) => {
      assert.ok(err instanceof AccessDeniedException);
      approvalId = /waits for approval ([0-9a-f-]{36})/.exec(err.message)?.[1] ?? '';
      return approvalId !== '';
    });
    const described = await test.extension('GetTokenReleaseApproval', { approvalId });
    assert.equal(described.status, 200);
    assert.equal(described.body.status, 'PENDING');
    assert.equal(described.body.action, 'ReleaseApiKey');
    assert.deepEqual(described.body.approvers, ['user']);

    const asBob = await test.extension('ApproveTokenRelease', { approvalId, approver: { userId: 'bob' } });
    assert.equal(asBob.status, 403);
    assert.equal(asBob.type, 'AccessDeniedException');
    const tooLong = await test.extension('ApproveTokenRelease', {
      approvalId,
      approver: { userId: 'alice' },
      approvalWindowSeconds: 60,
    });
    assert.equal(tooLong.status, 400, 'the policy allows no window');
    const asAlice = await test.extension('ApproveTokenRelease', {
      approvalId,
      approver: { userId: 'alice' },
    });
    assert.equal(asAlice.status, 200, JSON.stringify(asAlice.body));
    await state(approvalId);
    assert.equal((await ask()).apiKey, 'sk-search-1', 'approved once: released once');
    await assert.rejects(ask(), AccessDeniedException);

    const deadline = Date.now() + 15_000;
    const events = () =>
      receiver.taken().map((r) => JSON.parse(r.body) as { type: string; data: Record<string, string> });
    while (Date.now() < deadline && !events().some((e) => e.type === 'approval.decided'))
      await new Promise((resolve) => setTimeout(resolve, 100));
    const ours = events().filter((e) => e.data.approvalId === approvalId);
    assert.deepEqual(
      ours.map((e) => [e.type, e.data.reason ?? '']),
      [
        ['approval.requested', ''],
        ['approval.decided', 'approved'],
      ],
    );
    assert.equal(ours[0]!.data.resourceCredentialProviderName, 'search');
    assert.ok(!receiver.received.some((r) => r.body.includes('sk-search-1')), 'no key in any event');
    await receiver.stop();
  });
});
