import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import {
  CreateWorkloadIdentityCommand,
  GetTokenVaultCommand,
  GetWorkloadIdentityCommand,
  SetTokenVaultCMKCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { createKmsClient } from '../../libs/aws/clients';
import { Envelope } from '../../libs/vault/envelope';
import { countNotUnderCurrentKey } from '../../libs/vault/rewrap';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

describe('the local stack (npm start)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('keeps its data across a stop and a start on the same data folder', async () => {
    const env = await testStackEnv({ MANDATE_REGION: 'eu-west-1', MANDATE_ACCOUNT_ID: '111122223333' });
    cleanups.push(() => rmSync(env.MANDATE_DATA_DIR!, { recursive: true, force: true }));

    const first = await startTestStack(env);
    const credentials = first.adminCredentials();
    await first.control().send(
      new CreateWorkloadIdentityCommand({
        name: 'survivor',
        allowedResourceOauth2ReturnUrls: ['https://app.example/cb'],
      }),
    );
    // The vault under a customer key of the local KMS (local-kms, apart from the Secrets Manager endpoint).
    const aws = first.stack.config.aws;
    assert.ok(aws.kmsEndpoint && aws.kmsEndpoint !== aws.endpoint, 'KMS has an endpoint of its own');
    const kms = createKmsClient(aws);
    const key = await kms.send(new CreateKeyCommand({ Description: 'vault CMK' }));
    kms.destroy();
    const arn = key.KeyMetadata!.Arn!;
    assert.match(arn, /^arn:aws:kms:eu-west-1:111122223333:key\//, "the deployment's region and account");
    await first
      .control()
      .send(
        new SetTokenVaultCMKCommand({ kmsConfiguration: { keyType: 'CustomerManagedKey', kmsKeyArn: arn } }),
      );
    const { db, vaultKeys } = first.stack.runtime;
    const deadline = Date.now() + 15_000;
    while ((await countNotUnderCurrentKey(db, new Envelope(vaultKeys))) > 0) {
      assert.ok(Date.now() < deadline, 'the vault is re-wrapped under the customer key in time');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await first.stop();
    assert.ok(
      existsSync(join(env.MANDATE_DATA_DIR!, 'local-kms', 'CURRENT')),
      'KMS keys are in the data folder',
    );

    const second = await startTestStack(env);
    cleanups.push(() => second.stop());
    assert.deepEqual(
      second.adminCredentials(),
      credentials,
      'the admin credentials are kept, not regenerated',
    );
    // The admin's secret is sealed under the customer key: this signed call unwraps it through local-kms.
    const kept = await second.control().send(new GetWorkloadIdentityCommand({ name: 'survivor' }));
    assert.deepEqual(kept.allowedResourceOauth2ReturnUrls, ['https://app.example/cb']);
    const vault = await second.control().send(new GetTokenVaultCommand({}));
    assert.deepEqual(vault.kmsConfiguration, { keyType: 'CustomerManagedKey', kmsKeyArn: arn });

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
