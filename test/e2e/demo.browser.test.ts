import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { startDemo, type Demo } from '../../apps/demo/src/demo';
import { loadConfigWith } from '../../libs/config/config';
import { freePort } from '../../libs/local-stack/ports';
import { createLogger } from '../../libs/logging/logger';
import { launchChromium } from '../helpers/browser';
import { testStackEnv } from '../helpers/stack';

const run = promisify(execFile);
const screenshotsDir = () => process.env.MANDATE_SCREENSHOTS_DIR;

describe('npm run demo: a person consents in Chromium, then the example agent gets the token', () => {
  let demo: Demo;
  let browser: Browser;
  let dataDir: string;

  before(async () => {
    const env = await testStackEnv({
      MANDATE_DEMO_IDP_PORT: String(await freePort()),
      MANDATE_DEMO_APP_PORT: String(await freePort()),
    });
    dataDir = env.MANDATE_DATA_DIR!;
    const config = loadConfigWith(env);
    demo = await startDemo(config, createLogger(config.logLevel));
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The example agent, run as the README says (`npm run demo:agent`), pointed at this demo's ports. */
  const agent = () =>
    run(
      process.execPath,
      ['--env-file=examples/agent/agent.env', '--import', 'tsx', 'examples/agent/agent.mts'],
      {
        env: {
          ...process.env,
          AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: demo.stack.apiUrl,
          AWS_SHARED_CREDENTIALS_FILE: join(dataDir, 'admin-credentials'),
          DEMO_IDP_URL: demo.idp.issuer,
          DEMO_RETURN_URL: demo.app.returnUrl,
        },
        timeout: 60_000,
      },
    );

  it('signs in any user name at the demo IdP, consents, and lands on the return page that completes', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(demo.app.url);
    await page.getByRole('button', { name: 'Connect the demo agent' }).click();
    await page.getByText('Mandate demo identity provider').waitFor();
    await page.locator('input[name=login]').fill('alice');
    await page.locator('input[name=password]').fill('anything');
    if (screenshotsDir()) await page.screenshot({ path: join(screenshotsDir()!, 'demo-sign-in.png') });
    await page.getByRole('button').click();
    await page.waitForURL(/\/interaction\//);
    await page.getByRole('button').click();
    await page.waitForURL(`${demo.app.returnUrl}?**`);
    await page.getByRole('heading', { name: 'Connected' }).waitFor();
    if (screenshotsDir()) await page.screenshot({ path: join(screenshotsDir()!, 'demo-connected.png') });
  });

  it('the example agent gets the token from the vault, twice, with no consent', async () => {
    const sessionsBefore = await countSessions(demo);
    for (let i = 0; i < 2; i += 1) {
      const { stdout } = await agent();
      assert.match(stdout, /Token from the vault \(no consent asked\)/);
      assert.match(stdout, /belongs to "alice", acting for demo-user through demo-agent/);
    }
    assert.equal(await countSessions(demo), sessionsBefore, 'no new consent session was started');
  });
});

async function countSessions(demo: Demo): Promise<number> {
  const row = await demo.stack.runtime.db
    .selectFrom('auth_sessions')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
