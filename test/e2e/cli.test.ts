import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CreateWorkloadIdentityCommand } from '@aws-sdk/client-bedrock-agentcore-control';
import { workloadIdentityArn } from '../../libs/wire/arn';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

const run = promisify(execFile);
const BIN = join(__dirname, '..', '..', 'bin', 'mandate.cjs');

describe('the mandate CLI', () => {
  let test: TestStack;
  /** Runs `mandate` as an operator would, with no AWS variables but those given. */
  const mandate = async (args: string[], env: Record<string, string> = {}) => {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) => !name.startsWith('AWS_') && !name.startsWith('MANDATE_'),
      ),
    );
    try {
      const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
        env: { ...clean, MANDATE_DATA_DIR: test.dataDir, MANDATE_ENDPOINT: test.stack.apiUrl, ...env },
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const failed = err as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };
  const json = async (args: string[], env?: Record<string, string>) => {
    const result = await mandate([...args, '--output', 'json'], env);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  };

  before(async () => {
    test = await startTestStack(await testStackEnv(), { worker: false });
    await test.control().send(new CreateWorkloadIdentityCommand({ name: 'cli-agent' }));
  });
  after(() => test?.destroy());

  it('manages principals and keys with the admin credentials of npm start by default, as tables or JSON', async () => {
    const arn = workloadIdentityArn(test.stack.config.deployment, 'cli-agent');
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'bedrock-agentcore:GetWorkloadIdentity', Resource: arn }],
    });
    const created = await json([
      'principals',
      'create',
      'cli-reader',
      '--policy',
      policy,
      '--tag',
      'team=crm',
    ]);
    assert.equal(created.name, 'cli-reader');
    const key = await json(['keys', 'create', 'cli-reader']);
    assert.match(key.accessKeyId as string, /^[A-Z0-9]{16,}$/);

    const listed = await mandate(['principals', 'list']);
    assert.equal(listed.code, 0, listed.stderr);
    const lines = listed.stdout.trim().split('\n');
    assert.match(lines[0]!, /^name\s+principalArn/);
    assert.ok(
      lines.some((line) => /^cli-reader\s+arn:aws:iam::000000000000:role\/cli-reader/.test(line)),
      listed.stdout,
    );
    assert.ok(lines.some((line) => line.startsWith('admin ')));
    const keys = await mandate(['keys', 'list', 'cli-reader']);
    assert.ok(keys.stdout.includes(key.accessKeyId as string));
    assert.ok(!keys.stdout.includes(key.secretAccessKey as string), 'no secret in a listing');

    // The new principal's key, from the environment as the AWS CLI takes it: its policy decides.
    const asReader = {
      AWS_ACCESS_KEY_ID: key.accessKeyId as string,
      AWS_SECRET_ACCESS_KEY: key.secretAccessKey as string,
    };
    const denied = await mandate(['principals', 'list'], asReader);
    assert.equal(denied.code, 254);
    assert.match(denied.stderr, /^An error occurred \(AccessDeniedException\): .*ListPrincipals/);

    const missing = await mandate(['principals', 'get', 'nobody']);
    assert.equal(missing.code, 254);
    assert.match(
      missing.stderr,
      /An error occurred \(ResourceNotFoundException\): Principal nobody does not exist/,
    );
    const badPolicy = await mandate([
      'principals',
      'update',
      'cli-reader',
      '--policy',
      '{"Version":"2012-10-17"}',
    ]);
    assert.equal(badPolicy.code, 254);
    assert.match(badPolicy.stderr, /ValidationException.*policyDocument.*Statement/);
    const notJson = await mandate(['principals', 'update', 'cli-reader', '--policy', '{nope']);
    assert.equal(notJson.code, 255);
    assert.match(notJson.stderr, /--policy is not valid JSON/);

    assert.equal((await mandate(['keys', 'delete', 'cli-reader', key.accessKeyId as string])).code, 0);
    assert.equal((await mandate(['principals', 'delete', 'cli-reader'])).code, 0);
  });

  it('sets trusts and resource policies, and reads and verifies the audit log', async () => {
    await json([
      'principals',
      'create',
      'cli-fed',
      '--policy',
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"bedrock-agentcore:GetWorkloadIdentity","Resource":"*"}]}',
    ]);
    // An issuer that does not answer is refused by the service, and the CLI says so.
    const refused = await mandate([
      'trust',
      'set',
      'cli-fed',
      '--discovery-url',
      'http://127.0.0.1:9/.well-known/openid-configuration',
      '--audience',
      'mandate',
      '--subject',
      'repo:org/*',
    ]);
    assert.equal(refused.code, 254);
    assert.match(refused.stderr, /ValidationException.*webIdentityTrust\.discoveryUrl/);

    const arn = workloadIdentityArn(test.stack.config.deployment, 'cli-agent');
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::000000000000:role/cli-fed' },
          Action: 'bedrock-agentcore:GetWorkloadIdentity',
          Resource: '*',
        },
      ],
    };
    await json(['resource-policy', 'put', arn, '--policy', JSON.stringify(policy)]);
    const shown = await mandate(['resource-policy', 'get', arn]);
    assert.deepEqual(JSON.parse(shown.stdout), policy);
    assert.equal((await mandate(['resource-policy', 'delete', arn])).code, 0);
    assert.equal((await mandate(['resource-policy', 'get', arn])).code, 254);

    const events = await mandate(['audit', 'list', '--max-results', '500']);
    assert.match(events.stdout, /^seq\s+at\s+actor\s+operation/);
    assert.match(events.stdout, /principal:admin\s+PutResourcePolicy/);
    const verified = await mandate(['audit', 'verify']);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /^intact: \d+ events/);
  });

  it("lists and shows the vault's connections, and says when one does not exist", async () => {
    const records = test.stack.runtime.repositories.connectionRecords;
    const at = new Date('2026-12-01T09:00:00Z');
    for (const [id, workloadName] of [
      ['cli-conn-1', 'cli-agent'],
      ['cli-conn-2', 'cli-other'],
    ] as const)
      await records.stored(
        { id, workloadName, providerName: 'cli-idp', userHash: `u2.hash-of-${id}`, scopes: ['read'] },
        'USER_FEDERATION',
        new Date('2026-12-01T10:00:00Z'),
        at,
      );
    const listed = await mandate(['connections', 'list', '--workload', 'cli-agent']);
    assert.equal(listed.code, 0, listed.stderr);
    const lines = listed.stdout.trim().split('\n');
    assert.match(lines[0]!, /^connectionId\s+flow\s+workloadName\s+resourceCredentialProviderName\s+state/);
    assert.deepEqual(
      lines.slice(2).map((line) => line.split(/\s+/).slice(0, 5)),
      [['cli-conn-1', 'USER_FEDERATION', 'cli-agent', 'cli-idp', 'ACTIVE']],
    );
    const shown = await json(['connections', 'get', 'cli-conn-2']);
    assert.equal(shown.workloadName, 'cli-other');
    assert.equal(shown.userHash, 'u2.hash-of-cli-conn-2');
    assert.equal(shown.accessTokenExpiresAt, '2026-12-01T10:00:00.000Z');
    const missing = await mandate(['connections', 'revoke', 'cli-conn-missing']);
    assert.equal(missing.code, 254);
    assert.match(missing.stderr, /ResourceNotFoundException.*Connection cli-conn-missing does not exist/);
    const refused = await mandate(['connections', 'list', '--state', 'EXPIRED']);
    assert.equal(refused.code, 254);
    assert.match(refused.stderr, /ValidationException.*state/);
  });
});
