import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import {
  CreateSecretCommand,
  DecryptionFailure,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InternalServiceError,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerServiceException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { MANAGED_TAG, SecretError, SecretStore, type SecretProblem, type SecretRef } from './secret-store';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const arnOf = (name: string, region = REGION) =>
  `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}-AbCdEf`;
const TTL = 30_000;
const SECRET = 'hunter2-very-secret-value';

interface StoredVersion {
  id: string;
  string?: string;
  binary?: Uint8Array;
}

/**
 * Secrets Manager as the store sees it: the five commands it sends, on an in-memory map, with the
 * exceptions the service raises. Every command is recorded.
 */
class FakeSecretsManager {
  readonly secrets = new Map<string, { versions: StoredVersion[]; stages: Record<string, string[]> }>();
  readonly calls: { command: string; input: Record<string, unknown> }[] = [];
  /** Thrown by the next commands on a secret id instead of answering. */
  readonly failures = new Map<string, Error>();
  returnArn = true;
  private nextVersion = 1;

  put(arn: string, value: { string?: string; binary?: Uint8Array }): string {
    const id = `v${this.nextVersion++}`;
    const secret = this.secrets.get(arn) ?? { versions: [], stages: {} };
    for (const stages of Object.values(secret.stages)) {
      const at = stages.indexOf('AWSCURRENT');
      if (at >= 0) stages.splice(at, 1, 'AWSPREVIOUS');
    }
    secret.versions.push({ id, ...value });
    secret.stages[id] = ['AWSCURRENT'];
    this.secrets.set(arn, secret);
    return id;
  }

  count(command: string): number {
    return this.calls.filter((c) => c.command === command).length;
  }

  send(command: unknown): Promise<unknown> {
    const { input } = command as {
      input: { SecretId?: string; Name?: string; SecretString?: string; VersionStage?: string };
    };
    const name = (command as object).constructor.name;
    this.calls.push({ command: name, input });
    const id = input.SecretId ?? input.Name ?? '';
    const failure = this.failures.get(id);
    if (failure) return Promise.reject(failure);
    const notFound = () =>
      new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret.",
        $metadata: {},
      });

    if (command instanceof CreateSecretCommand) {
      const arn = arnOf(input.Name ?? '');
      this.put(arn, { string: input.SecretString ?? '' });
      return Promise.resolve(this.returnArn ? { ARN: arn, Name: input.Name } : { Name: input.Name });
    }
    const secret = this.secrets.get(id);
    if (!secret) return Promise.reject(notFound());
    if (command instanceof PutSecretValueCommand) {
      return Promise.resolve({ ARN: id, VersionId: this.put(id, { string: input.SecretString ?? '' }) });
    }
    if (command instanceof DeleteSecretCommand) {
      this.secrets.delete(id);
      return Promise.resolve({ ARN: id });
    }
    if (command instanceof DescribeSecretCommand) {
      return Promise.resolve({ ARN: id, VersionIdsToStages: structuredClone(secret.stages) });
    }
    if (command instanceof GetSecretValueCommand) {
      const stage = input.VersionStage ?? 'AWSCURRENT';
      const versionId = Object.entries(secret.stages).find(([, stages]) => stages.includes(stage))?.[0];
      const version = secret.versions.find((v) => v.id === versionId);
      if (!version) return Promise.reject(notFound());
      return Promise.resolve({
        ARN: id,
        VersionId: version.id,
        ...(version.string !== undefined ? { SecretString: version.string } : {}),
        ...(version.binary ? { SecretBinary: version.binary } : {}),
      });
    }
    return Promise.reject(new Error(`the fake does not know ${name}`));
  }
}

async function secretError(
  promise: Promise<unknown>,
  code: SecretProblem,
  message?: string,
): Promise<SecretError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof SecretError, String(err));
    assert.equal(err.code, code, err.message);
    if (message !== undefined) assert.equal(err.message, message);
    return err;
  }
  return assert.fail(`expected ${code}, the call succeeded`);
}

/** Every text an error carries, its causes' included. */
function texts(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    parts.push(e.message, String(e), e.stack ?? '', JSON.stringify(e));
  }
  return parts.join('\n');
}

describe('SecretStore', () => {
  let sm: FakeSecretsManager;
  let clock: number;
  let store: SecretStore;

  beforeEach(() => {
    sm = new FakeSecretsManager();
    clock = Date.UTC(2026, 10, 22, 9, 0, 0);
    // The store only calls send(); the fake has exactly that shape.
    store = new SecretStore(sm as unknown as SecretsManagerClient, {
      region: REGION,
      cacheTtlMs: TTL,
      now: () => clock,
    });
  });

  describe('managed secrets', () => {
    it('creates a tagged JSON secret under the key and reads the value back', async () => {
      const ref = await store.createManaged({
        name: 'mandate/apikey/openai',
        jsonKey: 'apiKey',
        value: SECRET,
        tags: { 'mandate:provider': 'openai' },
      });
      assert.deepEqual(ref, { arn: arnOf('mandate/apikey/openai'), jsonKey: 'apiKey' });
      const create = sm.calls.find((c) => c.command === 'CreateSecretCommand')!;
      assert.equal(create.input.Name, 'mandate/apikey/openai');
      assert.equal(create.input.SecretString, JSON.stringify({ apiKey: SECRET }));
      assert.deepEqual(create.input.Tags, [MANAGED_TAG, { Key: 'mandate:provider', Value: 'openai' }]);
      assert.equal(
        create.input.Description,
        'Created by Mandate for a credential provider; deleted with it.',
      );
      assert.equal(await store.read(ref), SECRET);
    });

    it('answers unavailable when Secrets Manager returns no ARN', async () => {
      sm.returnArn = false;
      await secretError(
        store.createManaged({ name: 'n', jsonKey: 'k', value: SECRET, tags: {} }),
        'unavailable',
        'Secrets Manager returned no ARN',
      );
    });

    it('updates the value and drops the cached one at once', async () => {
      const ref = await store.createManaged({ name: 'm', jsonKey: 'clientSecret', value: 'old', tags: {} });
      assert.equal(await store.read(ref), 'old');
      await store.updateManaged(ref, 'new');
      const put = sm.calls.find((c) => c.command === 'PutSecretValueCommand')!;
      assert.deepEqual(put.input, {
        SecretId: ref.arn,
        SecretString: JSON.stringify({ clientSecret: 'new' }),
      });
      assert.equal(await store.read(ref), 'new');
    });

    it('deletes with a seven-day recovery window and forgets the cached value', async () => {
      const ref = await store.createManaged({ name: 'd', jsonKey: 'k', value: SECRET, tags: {} });
      await store.read(ref);
      await store.deleteManaged(ref);
      const del = sm.calls.find((c) => c.command === 'DeleteSecretCommand')!;
      assert.deepEqual(del.input, { SecretId: ref.arn, RecoveryWindowInDays: 7 });
      assert.equal(store.cachedVersion(ref.arn), undefined);
      await secretError(store.read(ref), 'not_found', 'does not exist');
    });
  });

  describe('customer secrets by ARN and JSON key', () => {
    const ref: SecretRef = { arn: arnOf('customer/okta'), jsonKey: 'clientSecret' };

    it('reads the value under the JSON key of the AWSCURRENT version', async () => {
      sm.put(ref.arn, { string: JSON.stringify({ clientId: 'abc', clientSecret: SECRET }) });
      assert.equal(await store.read(ref), SECRET);
      assert.equal(await store.read({ ...ref, jsonKey: 'clientId' }), 'abc');
      const get = sm.calls.find((c) => c.command === 'GetSecretValueCommand')!;
      assert.deepEqual(get.input, { SecretId: ref.arn, VersionStage: 'AWSCURRENT' });
    });

    it('accepts ARNs of this region in every partition, and refuses other shapes and regions', () => {
      for (const arn of [
        ref.arn,
        `arn:aws-us-gov:secretsmanager:${REGION}:${ACCOUNT}:secret:a/b_c+d=e.f@g-h-AbCdEf`,
        `arn:aws-cn:secretsmanager:${REGION}:${ACCOUNT}:secret:x`,
      ]) {
        assert.equal(store.parseExternalArn(arn), arn);
      }
      for (const arn of [
        'customer/okta',
        `arn:aws:s3:::bucket`,
        `arn:aws:secretsmanager:${REGION}:12345678901:secret:x`,
        `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:parameter:x`,
        `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:`,
        `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:has space`,
        ` ${ref.arn}`,
      ]) {
        assert.throws(
          () => store.parseExternalArn(arn),
          (err: unknown) =>
            err instanceof SecretError &&
            err.code === 'malformed_arn' &&
            err.message === 'must be the ARN of a Secrets Manager secret',
          arn,
        );
      }
      assert.throws(
        () => store.parseExternalArn(arnOf('x', 'eu-west-1')),
        (err: unknown) =>
          err instanceof SecretError &&
          err.code === 'other_region' &&
          err.message === 'must be a secret in us-east-1, not eu-west-1',
      );
    });

    it('refuses a secret without the key, or with a non-string value under it, as key_missing', async () => {
      for (const value of [
        { other: SECRET },
        { clientSecret: 42 },
        { clientSecret: { nested: SECRET } },
        { clientSecret: null },
      ]) {
        const arn = arnOf(`k${sm.secrets.size}`);
        sm.put(arn, { string: JSON.stringify(value) });
        await secretError(
          store.read({ arn, jsonKey: 'clientSecret' }),
          'key_missing',
          'has no string value under the JSON key clientSecret',
        );
      }
    });

    it('does not read keys inherited from Object.prototype', async () => {
      sm.put(ref.arn, { string: JSON.stringify({ clientSecret: SECRET }) });
      for (const jsonKey of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
        await secretError(store.read({ ...ref, jsonKey }), 'key_missing');
      }
    });

    it('refuses a value that is not a JSON object, and a binary secret, as not_json', async () => {
      for (const string of [
        SECRET,
        `{"clientSecret": "${SECRET}"`,
        '[1,2]',
        `"${SECRET}"`,
        'null',
        '42',
        '',
      ]) {
        const arn = arnOf(`j${sm.secrets.size}`);
        sm.put(arn, { string });
        await secretError(
          store.read({ arn, jsonKey: 'clientSecret' }),
          'not_json',
          'holds a value that is not a JSON object',
        );
      }
      const binary = arnOf('binary');
      sm.put(binary, { binary: Buffer.from(SECRET) });
      await secretError(
        store.read({ arn: binary, jsonKey: 'clientSecret' }),
        'not_json',
        'holds binary data, not a JSON object',
      );
    });

    it('maps not found, access denied, deletion, KMS and service failures to their codes, keeping the cause', async () => {
      const meta = { $metadata: { httpStatusCode: 400 } };
      const cases: [Error, SecretProblem, string][] = [
        [new ResourceNotFoundException({ message: 'not found', ...meta }), 'not_found', 'does not exist'],
        [
          new SecretsManagerServiceException({
            name: 'AccessDeniedException',
            $fault: 'client',
            message: 'User is not authorized to perform secretsmanager:GetSecretValue',
            ...meta,
          }),
          'not_readable',
          'cannot be read by Mandate (access denied, deleted or disabled)',
        ],
        [
          new InvalidRequestException({ message: 'marked for deletion', ...meta }),
          'not_readable',
          'cannot be read by Mandate (access denied, deleted or disabled)',
        ],
        [
          new DecryptionFailure({ message: 'KMS denied', ...meta }),
          'not_readable',
          'cannot be decrypted by Mandate (KMS key access)',
        ],
        [
          new InternalServiceError({ message: 'oops', $metadata: { httpStatusCode: 500 } }),
          'unavailable',
          'could not be read from Secrets Manager',
        ],
        [new TypeError('fetch failed'), 'unavailable', 'could not be read from Secrets Manager'],
      ];
      for (const [failure, code, message] of cases) {
        sm.failures.set(ref.arn, failure);
        const err = await secretError(store.read(ref), code, message);
        assert.equal(err.cause, failure);
      }
    });

    it('checks an external reference: the ARN first, without a call, then a fresh read', async () => {
      sm.put(ref.arn, { string: JSON.stringify({ clientSecret: 'first' }) });
      await store.read(ref);
      sm.put(ref.arn, { string: JSON.stringify({ clientSecret: 'second' }) });
      await store.checkExternal(ref);
      assert.equal(sm.count('GetSecretValueCommand'), 2);
      assert.equal(await store.read(ref), 'second');

      const calls = sm.calls.length;
      assert.throws(() => store.parseExternalArn('customer/okta'), SecretError);
      await secretError(store.checkExternal({ arn: 'customer/okta', jsonKey: 'k' }), 'malformed_arn');
      await secretError(store.checkExternal({ arn: arnOf('x', 'eu-west-1'), jsonKey: 'k' }), 'other_region');
      assert.equal(sm.calls.length, calls);
      await secretError(store.checkExternal({ ...ref, jsonKey: 'absent' }), 'key_missing');
    });
  });

  describe('cache', () => {
    const ref: SecretRef = { arn: arnOf('cached'), jsonKey: 'clientSecret' };
    const put = (value: string) => sm.put(ref.arn, { string: JSON.stringify({ clientSecret: value }) });

    it('serves the cached value for the TTL on its clock, then reads again', async () => {
      put('one');
      assert.equal(await store.read(ref), 'one');
      put('two');
      clock += TTL - 1;
      assert.equal(await store.read(ref), 'one');
      assert.equal(sm.count('GetSecretValueCommand'), 1);
      clock += 1;
      assert.equal(await store.read(ref), 'two');
      assert.equal(sm.count('GetSecretValueCommand'), 2);
    });

    it('skips the cache when forced, and after invalidate', async () => {
      put('one');
      await store.read(ref);
      put('two');
      assert.equal(await store.read(ref, { force: true }), 'two');
      put('three');
      store.invalidate(ref.arn);
      assert.equal(await store.read(ref), 'three');
      assert.equal(sm.count('GetSecretValueCommand'), 3);
    });

    it('caches the whole secret: another key of the same ARN is served without a call', async () => {
      sm.put(ref.arn, { string: JSON.stringify({ clientSecret: 's', clientId: 'i' }) });
      await store.read(ref);
      assert.equal(await store.read({ ...ref, jsonKey: 'clientId' }), 'i');
      assert.equal(sm.count('GetSecretValueCommand'), 1);
    });

    it('keeps no failed read: the next read asks again', async () => {
      sm.failures.set(ref.arn, new InternalServiceError({ message: 'oops', $metadata: {} }));
      await secretError(store.read(ref), 'unavailable');
      sm.failures.delete(ref.arn);
      put('one');
      assert.equal(await store.read(ref), 'one');
    });

    it('remembers the AWSCURRENT version it read, and invalidateStale re-reads only changed secrets', async () => {
      const other: SecretRef = { arn: arnOf('other'), jsonKey: 'clientSecret' };
      const v1 = put('one');
      const o1 = sm.put(other.arn, { string: JSON.stringify({ clientSecret: 'other-one' }) });
      await store.read(ref);
      await store.read(other);
      assert.equal(store.cachedVersion(ref.arn), v1);
      assert.equal(store.cachedVersion(arnOf('never-read')), undefined);

      const v2 = put('two');
      assert.equal(await store.currentVersion(ref.arn), v2);
      const dropped = store.invalidateStale([
        { arn: ref.arn, versionId: v2 },
        { arn: other.arn, versionId: o1 },
        { arn: arnOf('never-read'), versionId: 'v9' },
      ]);
      assert.equal(dropped, 1);
      assert.equal(store.cachedVersion(ref.arn), undefined);
      assert.equal(store.cachedVersion(other.arn), o1);
      assert.equal(await store.read(ref), 'two');
      assert.equal(await store.read(other), 'other-one');
      assert.equal(sm.count('GetSecretValueCommand'), 3);
      assert.equal(store.cachedVersion(ref.arn), v2);
      assert.equal(store.invalidateStale([{ arn: ref.arn, versionId: v2 }]), 0);
    });
  });

  describe('currentVersion', () => {
    it('answers the AWSCURRENT version from the metadata, without reading the value', async () => {
      const arn = arnOf('rotating');
      sm.put(arn, { string: '{}' });
      const v2 = sm.put(arn, { string: '{}' });
      assert.equal(await store.currentVersion(arn), v2);
      assert.equal(sm.count('GetSecretValueCommand'), 0);
      assert.deepEqual(sm.calls.at(-1), { command: 'DescribeSecretCommand', input: { SecretId: arn } });
    });

    it('answers not_found without an AWSCURRENT version, and maps service errors', async () => {
      const arn = arnOf('no-current');
      sm.put(arn, { string: '{}' });
      sm.secrets.get(arn)!.stages = { v1: ['AWSPENDING'] };
      await secretError(store.currentVersion(arn), 'not_found', 'has no AWSCURRENT version');
      await secretError(store.currentVersion(arnOf('absent')), 'not_found', 'does not exist');
      sm.failures.set(
        arn,
        new SecretsManagerServiceException({
          name: 'AccessDeniedException',
          $fault: 'client',
          $metadata: {},
        }),
      );
      await secretError(store.currentVersion(arn), 'not_readable');
    });
  });

  describe('errors', () => {
    it('never carry the secret value, in messages, stacks or causes', async () => {
      const shapes = [
        SECRET,
        `{"clientSecret": "${SECRET}"`,
        JSON.stringify({ other: SECRET }),
        JSON.stringify({ clientSecret: { v: SECRET } }),
        JSON.stringify([SECRET]),
        JSON.stringify(SECRET),
      ];
      for (const [i, string] of shapes.entries()) {
        const arn = arnOf(`leak${i}`);
        sm.put(arn, { string });
        const err = await store.read({ arn, jsonKey: 'clientSecret' }).then(
          () => assert.fail('read succeeded'),
          (e: unknown) => e,
        );
        assert.ok(err instanceof SecretError);
        assert.ok(!texts(err).includes(SECRET), `${err.code} leaks the value of ${string}`);
        assert.ok(!texts(err).includes('hunter2'), `${err.code} leaks part of the value of ${string}`);
      }
    });

    it('SecretError.for names what the secret serves and leaves other errors alone', () => {
      const original = new SecretError('not_found', 'does not exist', { cause: 'c' });
      const named = SecretError.for(original, { provider: 'okta' });
      assert.ok(named instanceof SecretError);
      assert.equal(named.code, 'not_found');
      assert.equal(named.message, 'does not exist');
      assert.equal(named.cause, 'c');
      assert.deepEqual(named.use, { provider: 'okta' });
      assert.equal(named.name, 'SecretError');
      const other = new Error('x');
      assert.equal(SecretError.for(other, { field: 'apiKey' }), other);
    });
  });
});
