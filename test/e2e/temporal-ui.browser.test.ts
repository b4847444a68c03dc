import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { freePort } from '../../libs/local-stack/ports';
import { launchChromium } from '../helpers/browser';
import { consentAs, registerAgentAndIdp } from '../helpers/consent-flow';
import type { TestIdp } from '../helpers/oidc-idp';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

/** Where the screenshots go (the README's come from `MANDATE_SCREENSHOTS_DIR=docs`); else the data folder. */
const screenshotsDir = (test: TestStack) => process.env.MANDATE_SCREENSHOTS_DIR ?? test.dataDir;
const BANNER = 'Codec Server could not connect';
// base64 of the payload encoding `binary/encrypted`, as the UI shows an encrypted payload's metadata.
const ENCRYPTED = 'YmluYXJ5L2VuY3J5cHRlZA==';

describe('Temporal Web UI in Chromium: payloads decoded for the operator only', () => {
  let test: TestStack;
  let idp: TestIdp;
  let browser: Browser;
  let workflowUrl: string;
  let userHash: string;

  before(async () => {
    test = await startTestStack(await testStackEnv({ MANDATE_ALLOW_PRIVATE_NETWORK_URLS: 'true' }));
    idp = await registerAgentAndIdp(test);
    await consentAs(test, idp, 'alice', ['read']);
    const client = test.stack.runtime.temporal;
    let session: { workflowId: string; runId: string } | undefined;
    for await (const execution of client.workflow.list({
      query: "WorkflowType = 'authorizationSessionWorkflow'",
    }))
      session = execution;
    assert.ok(session, 'the consent left a session workflow');
    const handle = client.workflow.getHandle(session.workflowId, session.runId);
    // The session ends once it has handed the connection to its lifecycle.
    await handle.result();
    userHash = await userHashOf(test, session);
    workflowUrl = `${test.stack.temporalUiUrl!}/namespaces/default/workflows/${encodeURIComponent(session.workflowId)}/${session.runId}/history`;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await idp?.stop();
    await test?.destroy();
  });

  const newPage = async (): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    return { context, page: await context.newPage() };
  };
  /**
   * Opens the session's workflow and waits for `shown` in its input and result. The UI shows each
   * payload as stored first and replaces it once the codec has answered.
   */
  const openWorkflow = async (page: Page, shown: string) => {
    await page.goto(workflowUrl);
    await page.getByTestId('input-and-result').getByText(shown).first().waitFor();
  };
  const text = (page: Page) => page.locator('body').innerText();

  it('shows only ciphertext to a browser without the codec token', async () => {
    const { context, page } = await newPage();
    await openWorkflow(page, ENCRYPTED);
    // The banner says the codec was asked and refused; only then is what is shown final.
    await page.locator('#content').getByText(BANNER).waitFor();
    const shown = await text(page);
    assert.ok(shown.includes(ENCRYPTED), 'the input is shown as an encrypted payload');
    for (const plain of ['"workloadName"', '"providerName"', userHash])
      assert.ok(!shown.includes(plain), `${plain} is not readable without the token`);
    await context.close();
  });

  it('decodes input, result, signal and update after the operator opens the codec session', async () => {
    const { context, page } = await newPage();
    const token = readFileSync(join(test.dataDir, 'codec-token'), 'utf8');
    const session = await page.goto(`${test.stack.apiUrl}/codec/session?token=${token}`);
    assert.equal(session?.status(), 200);

    await openWorkflow(page, '"workloadName": "agent"');
    await page.getByTestId('input-and-result').getByText('"state": "COMPLETED"').waitFor();
    const shown = await text(page);
    assert.ok(shown.includes('"workloadName": "agent"'), 'the input names the workload');
    assert.ok(shown.includes('"providerName": "idp"'), 'the input names the provider');
    assert.ok(shown.includes(userHash), 'the input shows the user hash');
    assert.ok(!shown.includes(ENCRYPTED), 'no payload is left encrypted');
    assert.ok(!shown.includes(BANNER));
    await page.screenshot({ path: join(screenshotsDir(test), 'temporal-ui-consent-workflow.png') });

    // The callback signal's and the completion update's arguments, in the event history.
    const events = page.getByTestId('event-summary-table');
    await events.getByText('Workflow Execution Signaled', { exact: true }).click();
    await events.getByText('"kind": "code"').waitFor();
    await events.getByText('Workflow Execution Update Accepted', { exact: true }).click();
    await events.getByText(`"userHash": "${userHash}"`).waitFor();
    assert.ok(!(await text(page)).includes(ENCRYPTED));

    await page.goto(`${test.stack.temporalUiUrl!}/namespaces/default/workflows`);
    await page.getByText('authorizationSessionWorkflow').first().waitFor();
    await page.screenshot({ path: join(screenshotsDir(test), 'temporal-ui-consent-workflows.png') });
    await context.close();
  });

  it('lets no other origin read the codec endpoint, even from the operator’s browser', async () => {
    const { context, page } = await newPage();
    const token = readFileSync(join(test.dataDir, 'codec-token'), 'utf8');
    await page.goto(`${test.stack.apiUrl}/codec/session?token=${token}`);
    // Another page on the same host (same site, so the cookie would go along) but another origin.
    const port = await freePort();
    const other: Server = createServer((_req, res) => res.end('<!doctype html><title>other</title>'));
    await new Promise<void>((resolve) => other.listen(port, '127.0.0.1', resolve));
    try {
      await page.goto(`http://127.0.0.1:${port}/`);
      const outcome = await page.evaluate(async (endpoint) => {
        try {
          const response = await fetch(`${endpoint}/decode`, {
            method: 'POST',
            credentials: 'include',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ payloads: [] }),
          });
          return `read ${response.status}`;
        } catch (err) {
          return `blocked: ${(err as Error).name}`;
        }
      }, `${test.stack.apiUrl}/codec`);
      assert.equal(outcome, 'blocked: TypeError');
    } finally {
      await new Promise((resolve) => other.close(resolve));
      await context.close();
    }
  });
});

/** The user hash in the session's input, read with the service's own codec. */
async function userHashOf(test: TestStack, session: { workflowId: string; runId: string }): Promise<string> {
  const handle = test.stack.runtime.temporal.workflow.getHandle(session.workflowId, session.runId);
  const [started] = (await handle.fetchHistory()).events ?? [];
  const payloads = started?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  const [decoded] = await test.stack.runtime.payloadCodec.decode(payloads);
  return (JSON.parse(Buffer.from(decoded!.data!).toString()) as { userHash: string }).userHash;
}
