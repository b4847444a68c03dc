import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateWorkloadIdentityCommand,
  GetTokenVaultCommand,
  GetWorkloadIdentityCommand,
  ListWorkloadIdentitiesCommand,
  SetTokenVaultCMKCommand,
  ValidationException,
  type BedrockAgentCoreControlClient,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { CreateKeyCommand, DisableKeyCommand, EnableKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { createKmsClient } from '../../libs/aws/clients';
import { Envelope } from '../../libs/vault/envelope';
import { countNotUnderCurrentKey } from '../../libs/vault/rewrap';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';
import { ALLOW_ALL } from '../../libs/auth/iam-policy';
import { createPrincipal } from '../helpers/principals';

async function until(check: () => Promise<boolean>, timeoutMs = 15_000) {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) assert.fail('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('token vault encryption: local key, customer KMS key, and back', () => {
  let test: TestStack;
  let control: BedrockAgentCoreControlClient;
  let kms: KMSClient;

  const kekIds = async () =>
    new Set(
      (await test.stack.runtime.db.selectFrom('access_keys').select('kek_id').execute()).map((r) => r.kek_id),
    );
  let cmkUser: { accessKeyId: string; secretAccessKey: string };

  before(async () => {
    test = await startTestStack(await testStackEnv());
    control = test.control();
    kms = createKmsClient(test.stack.config.aws);
    await control.send(new CreateWorkloadIdentityCommand({ name: 'before-switch' }));
  });
  after(async () => {
    await test?.destroy();
  });

  it('starts on the service-managed local key', async () => {
    const vault = await control.send(new GetTokenVaultCommand({}));
    assert.equal(vault.tokenVaultId, 'default');
    assert.deepEqual(vault.kmsConfiguration, { keyType: 'ServiceManagedKey' });
    assert.deepEqual(
      [...(await kekIds())].map((id) => id.split(':')[0]),
      ['local'],
    );
  });

  it('refuses a KMS key it cannot use and keeps the current one', async () => {
    const key = await kms.send(new CreateKeyCommand({ Description: 'disabled' }));
    await kms.send(new DisableKeyCommand({ KeyId: key.KeyMetadata!.KeyId }));
    await assert.rejects(
      control.send(
        new SetTokenVaultCMKCommand({
          kmsConfiguration: { keyType: 'CustomerManagedKey', kmsKeyArn: key.KeyMetadata!.Arn },
        }),
      ),
      (err: Error) => err instanceof ValidationException && /not usable by Mandate/.test(err.message),
    );
    const vault = await control.send(new GetTokenVaultCommand({ tokenVaultId: 'default' }));
    assert.equal(vault.kmsConfiguration?.keyType, 'ServiceManagedKey');
  });

  it('switches to a customer KMS key, re-wraps existing data, and keeps everything readable', async () => {
    const key = await kms.send(new CreateKeyCommand({ Description: 'vault CMK' }));
    const arn = key.KeyMetadata!.Arn!;
    const set = await control.send(
      new SetTokenVaultCMKCommand({ kmsConfiguration: { keyType: 'CustomerManagedKey', kmsKeyArn: arn } }),
    );
    assert.deepEqual(set.kmsConfiguration, { keyType: 'CustomerManagedKey', kmsKeyArn: arn });
    const { db, vaultKeys } = test.stack.runtime;
    await until(async () => (await countNotUnderCurrentKey(db, new Envelope(vaultKeys))) === 0);
    assert.deepEqual([...(await kekIds())], [`kms:${arn}`]);

    // The admin (re-wrapped) and a principal sealed under the CMK both authenticate; old data reads.
    cmkUser = await createPrincipal(test, 'cmkuser', ALLOW_ALL);
    const sealedUnderCmk = test.control(cmkUser);
    assert.equal(
      (await sealedUnderCmk.send(new GetWorkloadIdentityCommand({ name: 'before-switch' }))).name,
      'before-switch',
    );
    assert.ok((await control.send(new ListWorkloadIdentitiesCommand({}))).workloadIdentities!.length >= 1);
  });

  it('fails closed while KMS refuses, loses nothing, and recovers when it answers again', async () => {
    const arn = (await control.send(new GetTokenVaultCommand({}))).kmsConfiguration!.kmsKeyArn!;
    const waiting = await createPrincipal(test, 'kmsdown', ALLOW_ALL);
    await kms.send(new DisableKeyCommand({ KeyId: arn }));

    const refused = await test
      .control(waiting)
      .send(new ListWorkloadIdentitiesCommand({}))
      .then(
        () => undefined,
        (err: Error & { $metadata?: { httpStatusCode?: number } }) => err,
      );
    assert.equal(refused?.name, 'DecryptionFailure');
    assert.match(refused?.message ?? '', /could not unwrap a data key \(DisabledException\)/);
    await assert.rejects(
      test.stack.runtime.repositories.principals.putKey('kmsdown', {
        accessKeyId: 'MDAKKMSDOWN000000002',
        secretAccessKey: 'kms-down-secret-0123456789',
      }),
      /could not wrap a data key/,
    );

    await kms.send(new EnableKeyCommand({ KeyId: arn }));
    const listed = await test.control(waiting).send(new ListWorkloadIdentitiesCommand({}));
    assert.ok(listed.workloadIdentities!.some((w) => w.name === 'before-switch'));
  });

  it('switches back to the service-managed key and re-wraps again', async () => {
    const back = await control.send(
      new SetTokenVaultCMKCommand({ kmsConfiguration: { keyType: 'ServiceManagedKey' } }),
    );
    assert.deepEqual(back.kmsConfiguration, { keyType: 'ServiceManagedKey' });
    await until(async () => [...(await kekIds())].every((id) => id.startsWith('local:')));
    assert.equal(
      (await test.control(cmkUser).send(new GetWorkloadIdentityCommand({ name: 'before-switch' }))).name,
      'before-switch',
    );
  });
});
