import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DecryptCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
  CreateKeyCommand,
} from '@aws-sdk/client-kms';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { startLocalAws, type LocalAws } from '../../apps/aws-local/src/server';
import { awsClientOptions, createKmsClient } from '../../libs/aws/clients';
import { startLocalKms, type LocalKms } from '../../libs/local-stack/local-kms';
import { freePort } from '../../libs/local-stack/ports';

describe('local Secrets Manager and KMS endpoint, through the official AWS SDK clients', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'mandate-aws-'));
  const stateFile = join(stateDir, 'aws-local.json');
  let aws: LocalAws;
  let secrets: SecretsManagerClient;
  let kms: KMSClient;

  before(async () => {
    aws = await startLocalAws({ port: 0, stateFile });
    secrets = new SecretsManagerClient(awsClientOptions({ region: 'us-east-1', endpoint: aws.url }));
    kms = new KMSClient(awsClientOptions({ region: 'us-east-1', endpoint: aws.url }));
  });
  after(async () => {
    await aws.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('keeps AWSCURRENT and AWSPREVIOUS across a rotation', async () => {
    const created = await secrets.send(
      new CreateSecretCommand({ Name: 'mandate/test/client', SecretString: '{"clientSecret":"v1"}' }),
    );
    assert.match(
      created.ARN!,
      /^arn:aws:secretsmanager:us-east-1:000000000000:secret:mandate\/test\/client-[0-9a-f]{6}$/,
    );
    await secrets.send(
      new PutSecretValueCommand({ SecretId: created.ARN, SecretString: '{"clientSecret":"v2"}' }),
    );
    const current = await secrets.send(new GetSecretValueCommand({ SecretId: 'mandate/test/client' }));
    assert.equal(current.SecretString, '{"clientSecret":"v2"}');
    const previous = await secrets.send(
      new GetSecretValueCommand({ SecretId: created.ARN, VersionStage: 'AWSPREVIOUS' }),
    );
    assert.equal(previous.SecretString, '{"clientSecret":"v1"}');
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: created.ARN }));
    assert.deepEqual(
      Object.values(described.VersionIdsToStages ?? {})
        .flat()
        .sort(),
      ['AWSCURRENT', 'AWSPREVIOUS'],
    );
  });

  it('answers AWS errors as typed SDK exceptions', async () => {
    await secrets.send(new CreateSecretCommand({ Name: 'dup', SecretString: 'x' }));
    await assert.rejects(
      secrets.send(new CreateSecretCommand({ Name: 'dup', SecretString: 'y' })),
      ResourceExistsException,
    );
    await assert.rejects(
      secrets.send(new GetSecretValueCommand({ SecretId: 'missing' })),
      ResourceNotFoundException,
    );
    await secrets.send(new DeleteSecretCommand({ SecretId: 'dup', ForceDeleteWithoutRecovery: true }));
    await assert.rejects(
      secrets.send(new GetSecretValueCommand({ SecretId: 'dup' })),
      ResourceNotFoundException,
    );
  });

  it('wraps data keys under a KMS key bound to an encryption context', async () => {
    const key = await kms.send(new CreateKeyCommand({ Description: 'vault' }));
    const keyId = key.KeyMetadata!.KeyId!;
    const dataKey = await kms.send(
      new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { record: 'a' } }),
    );
    assert.equal(dataKey.Plaintext?.length, 32);
    const opened = await kms.send(
      new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: { record: 'a' } }),
    );
    assert.deepEqual(Buffer.from(opened.Plaintext!), Buffer.from(dataKey.Plaintext));
    await assert.rejects(
      kms.send(
        new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: { record: 'b' } }),
      ),
      (err: Error) => err.name === 'InvalidCiphertextException',
    );
    await kms.send(new DisableKeyCommand({ KeyId: keyId }));
    await assert.rejects(
      kms.send(
        new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: { record: 'a' } }),
      ),
      (err: Error) => err.name === 'DisabledException',
    );
  });

  it('keeps its state in the state file across restarts', async () => {
    await aws.close();
    aws = await startLocalAws({ port: 0, stateFile });
    secrets = new SecretsManagerClient(awsClientOptions({ region: 'us-east-1', endpoint: aws.url }));
    const current = await secrets.send(new GetSecretValueCommand({ SecretId: 'mandate/test/client' }));
    assert.equal(current.SecretString, '{"clientSecret":"v2"}');
  });
});

describe('local KMS (local-kms, not written here), through the official AWS SDK client', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mandate-kms-'));
  const deployment = { region: 'eu-central-1', accountId: '123456789012' };
  const context = { purpose: 'mandate-token-vault-data-key' };
  let port: number;
  let local: LocalKms;
  let kms: KMSClient;
  let keyArn: string;
  let wrapped: Uint8Array;

  before(async () => {
    port = await freePort();
    local = await startLocalKms({ dataDir, port, ...deployment });
    kms = createKmsClient({ region: deployment.region, kmsEndpoint: local.url });
  });
  after(async () => {
    kms?.destroy();
    await local?.process.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("names its keys in the deployment's region and account", async () => {
    const key = await kms.send(new CreateKeyCommand({ Description: 'vault CMK' }));
    keyArn = key.KeyMetadata!.Arn!;
    assert.match(keyArn, /^arn:aws:kms:eu-central-1:123456789012:key\/[0-9a-f-]{36}$/);
  });

  it('wraps and unwraps a data key as the vault does: by key ARN, bound to an encryption context', async () => {
    const dataKey = Buffer.alloc(32, 7);
    const encrypted = await kms.send(
      new EncryptCommand({ KeyId: keyArn, Plaintext: dataKey, EncryptionContext: context }),
    );
    wrapped = encrypted.CiphertextBlob!;
    const opened = await kms.send(
      new DecryptCommand({ CiphertextBlob: wrapped, KeyId: keyArn, EncryptionContext: context }),
    );
    assert.deepEqual(Buffer.from(opened.Plaintext!), dataKey);
    await assert.rejects(
      kms.send(
        new DecryptCommand({
          CiphertextBlob: wrapped,
          KeyId: keyArn,
          EncryptionContext: { purpose: 'other' },
        }),
      ),
      (err: Error) => err.name === 'InvalidCiphertextException',
    );

    const generated = await kms.send(
      new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: 'AES_256', EncryptionContext: context }),
    );
    assert.equal(generated.Plaintext?.length, 32);
    const unwrapped = await kms.send(
      new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: context }),
    );
    assert.deepEqual(Buffer.from(unwrapped.Plaintext!), Buffer.from(generated.Plaintext));
  });

  it('refuses a disabled key by name, as the vault reports it', async () => {
    await kms.send(new DisableKeyCommand({ KeyId: keyArn }));
    // With KeyId, as the vault sends it. Without one, local-kms answers AccessDeniedException here
    // where AWS answers DisabledException.
    await assert.rejects(
      kms.send(new DecryptCommand({ CiphertextBlob: wrapped, KeyId: keyArn, EncryptionContext: context })),
      (err: Error) => err.name === 'DisabledException',
    );
    await assert.rejects(
      kms.send(
        new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.alloc(32), EncryptionContext: context }),
      ),
      (err: Error) => err.name === 'DisabledException',
    );
    await kms.send(new EnableKeyCommand({ KeyId: keyArn }));
  });

  it('keeps its keys in the data folder across restarts', async () => {
    await local.process.stop();
    local = await startLocalKms({ dataDir, port, ...deployment });
    const opened = await kms.send(
      new DecryptCommand({ CiphertextBlob: wrapped, KeyId: keyArn, EncryptionContext: context }),
    );
    assert.deepEqual(Buffer.from(opened.Plaintext!), Buffer.alloc(32, 7));
  });
});
