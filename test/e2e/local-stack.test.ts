import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import {
  CreateWorkloadIdentityCommand,
  GetWorkloadIdentityCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

describe('the local stack (npm start)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('keeps its data across a stop and a start on the same data folder', async () => {
    const env = await testStackEnv();
    cleanups.push(() => rmSync(env.MANDATE_DATA_DIR!, { recursive: true, force: true }));

    const first = await startTestStack(env);
    const credentials = first.adminCredentials();
    await first.control().send(
      new CreateWorkloadIdentityCommand({
        name: 'survivor',
        allowedResourceOauth2ReturnUrls: ['https://app.example/cb'],
      }),
    );
    await first.stop();

    const second = await startTestStack(env);
    cleanups.push(() => second.stop());
    assert.deepEqual(
      second.adminCredentials(),
      credentials,
      'the admin credentials are kept, not regenerated',
    );
    const kept = await second.control().send(new GetWorkloadIdentityCommand({ name: 'survivor' }));
    assert.deepEqual(kept.allowedResourceOauth2ReturnUrls, ['https://app.example/cb']);

    const attributes = await second.stack.runtime.temporal.connection.operatorService.listSearchAttributes({
      namespace: second.stack.config.temporal.namespace,
    });
    for (const name of ['MandateWorkloadName', 'MandateProviderName', 'MandateFlow', 'MandateState']) {
      assert.ok(name in (attributes.customAttributes ?? {}), `search attribute ${name} is registered`);
    }
  });

  it('reports a dependency that stops answering on /health with 503 and its name', async () => {
    const stack: TestStack = await startTestStack(await testStackEnv());
    cleanups.push(() => stack.destroy());
    const healthy = await fetch(`${stack.stack.apiUrl}/health`);
    assert.equal(healthy.status, 200);
    assert.deepEqual(await healthy.json(), {
      status: 'ok',
      checks: { database: 'ok', temporal: 'ok', secretsManager: 'ok' },
    });

    await stack.stack.temporalDevServer!.process.kill();
    const degraded = await fetch(`${stack.stack.apiUrl}/health`);
    assert.equal(degraded.status, 503);
    const body = (await degraded.json()) as { failing: string[] };
    assert.deepEqual(body.failing, ['temporal']);
  });

  it('says which port is taken instead of failing obscurely', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as { port: number }).port;
    const env = await testStackEnv({ MANDATE_PORT: String(port) });
    cleanups.push(() => rmSync(env.MANDATE_DATA_DIR!, { recursive: true, force: true }));
    await assert.rejects(startTestStack(env), (err: Error) => {
      assert.match(err.message, new RegExp(`Port ${port} \\(Mandate API\\) is already in use`));
      assert.match(err.message, /MANDATE_PORT/);
      return true;
    });
  });

  it('refuses to start on a bad configuration and lists every problem', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'apps/standalone/src/main.ts'], {
      env: { ...process.env, MANDATE_PORT: 'eighty', MANDATE_REGION: 'moon', DATABASE_URL: 'mysql://x' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /Invalid configuration/);
    assert.match(result.stderr, /MANDATE_PORT/);
    assert.match(result.stderr, /MANDATE_REGION/);
    assert.match(result.stderr, /DATABASE_URL/);
  });
});
