import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  CreateApiKeyCredentialProviderCommand,
  CreateWorkloadIdentityCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

const run = promisify(execFile);
const repoRoot = resolve(__dirname, '..', '..');
const README_ENDPOINT = 'http://127.0.0.1:8088';

/** The README's code block after `<!-- readme-example: NAME -->`, exactly as printed. */
function readmeExample(readme: string, name: string): string {
  const match = new RegExp(`<!-- readme-example: ${name} -->\\s*\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(
    readme,
  );
  if (!match?.[1]) throw new Error(`README has no example "${name}"`);
  return match[1];
}

const has = (command: string, ...probe: string[]) =>
  spawnSync(command, probe, { stdio: 'ignore' }).status === 0;

describe('README examples, run as printed against a running stack (AWS CLI, boto3, TypeScript SDKs)', () => {
  let test: TestStack;
  let cwd: string;
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  /** Only the endpoint differs from the README: this stack listens on a port of its own. */
  const example = (name: string) =>
    readmeExample(readme, name).replaceAll(README_ENDPOINT, test.stack.apiUrl);
  /** The shell example's `export` lines: the Python and TypeScript examples run "in the same shell". */
  const exports = () =>
    example('shell')
      .split('\n')
      .filter((line) => line.startsWith('export '))
      .join('\n');
  const bash = (script: string) =>
    run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      timeout: 120_000,
    });

  let shellRan = false;
  let pythonRan = false;
  /** What the shell example creates, for the examples after it when no AWS CLI could run it. */
  const afterShell = async () => {
    if (shellRan) return;
    shellRan = true;
    await test.control().send(
      new CreateWorkloadIdentityCommand({
        name: 'my-agent',
        allowedResourceOauth2ReturnUrls: ['https://app.example.com/callback'],
      }),
    );
    await test
      .control()
      .send(new CreateApiKeyCredentialProviderCommand({ name: 'my-api', apiKey: 'sk-example-key' }));
  };

  before(async () => {
    test = await startTestStack(await testStackEnv());
    // The README's commands run in the repository folder, where `.mandate` is the data folder.
    cwd = mkdtempSync(join(tmpdir(), 'mandate-readme-'));
    symlinkSync(test.dataDir, join(cwd, '.mandate'));
    symlinkSync(join(repoRoot, 'node_modules'), join(cwd, 'node_modules'));
  });

  after(async () => {
    await test?.destroy();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it(
    'the shell example with the AWS CLI',
    { skip: !has('aws', '--version') && 'the AWS CLI is not installed' },
    async () => {
      shellRan = true;
      const { stdout } = await bash(example('shell'));
      assert.match(
        stdout,
        /"workloadIdentityArn": "arn:aws:bedrock-agentcore:us-east-1:000000000000:workload-identity-directory\/default\/workload-identity\/my-agent"/,
      );
      assert.match(stdout, /"credentialProviderArn": "arn:aws:acps:[^"]+\/apikeycredentialprovider\/my-api"/);
      assert.match(stdout, /"apiKey": "sk-example-key"/);
    },
  );

  it(
    'the Python example with boto3',
    { skip: !has('python3', '-c', 'import boto3') && 'boto3 is not installed' },
    async () => {
      await afterShell();
      pythonRan = true;
      writeFileSync(join(cwd, 'example.py'), example('python'));
      const { stdout } = await bash(`${exports()}\npython3 example.py`);
      assert.equal(
        stdout,
        'api key: sk-example-key\nworkload identity: my-agent\nworkload identity: py-agent\n',
      );
    },
  );

  it('the TypeScript example with the AWS SDK and the bedrock-agentcore SDK', async () => {
    await afterShell();
    writeFileSync(join(cwd, 'example.mts'), example('typescript'));
    const { stdout } = await bash(`${exports()}\nnode --import tsx example.mts`);
    assert.equal(
      stdout,
      `workload identities: ${pythonRan ? 'my-agent, py-agent' : 'my-agent'}\nopen deals: would call the CRM with a 14-character key\n`,
    );
  });

  it(
    'the least-privilege walkthrough with the mandate CLI and the AWS CLI',
    { skip: !has('aws', '--version') && 'the AWS CLI is not installed' },
    async () => {
      await afterShell();
      // The CLI as `npx mandate` runs it in a clone, told this stack's endpoint.
      const cli = `node ${join(repoRoot, 'bin', 'mandate.cjs')} --endpoint-url ${test.stack.apiUrl}`;
      const { stdout } = await bash(example('least-privilege').replaceAll('npx mandate', cli));
      assert.match(stdout, /"name": "crm-caller"|name\s+crm-caller/);
      assert.match(stdout, /"apiKey": "sk-example-key"/);
      assert.match(stdout, /refused: crm-caller may not list workload identities/);
      const credentials = readFileSync(join(cwd, 'crm-caller.credentials'), 'utf8');
      assert.match(credentials, /^\[crm-caller\]\naws_access_key_id = \w+\naws_secret_access_key = \S+\n$/);
    },
  );
});
