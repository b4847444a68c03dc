import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DecryptCommand,
  DisableKeyCommand,
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
import { awsClientOptions } from '../../libs/aws/clients';

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
