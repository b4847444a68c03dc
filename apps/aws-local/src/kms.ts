import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { AwsJsonError, epochSeconds, optionalString, requireString, type Input } from './errors';
import type { JsonStore } from './store';

interface Key {
  id: string;
  arn: string;
  description: string;
  /** base64 AES-256 key material; this is an emulator, the file is mode 0600. */
  material: string;
  enabled: boolean;
  createdAt: string;
}

export interface KmsState {
  keys: Key[];
  aliases: Record<string, string>;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The symmetric KMS operations an envelope-encryption client uses. Ciphertexts carry the key id,
 * as AWS's do, so Decrypt needs no KeyId; the encryption context is authenticated data.
 */
export class KmsService {
  constructor(
    private readonly store: JsonStore<{ kms: KmsState }>,
    private readonly scope: { partition: string; region: string; accountId: string },
  ) {}

  private get state() {
    return this.store.state.kms;
  }

  handle(operation: string, input: Input): unknown {
    switch (operation) {
      case 'CreateKey':
        return this.create(input);
      case 'DescribeKey':
        return { KeyMetadata: this.metadata(this.find(requireString(input, 'KeyId'))) };
      case 'ListKeys':
        return { Keys: this.state.keys.map((k) => ({ KeyId: k.id, KeyArn: k.arn })), Truncated: false };
      case 'EnableKey':
      case 'DisableKey':
        this.find(requireString(input, 'KeyId')).enabled = operation === 'EnableKey';
        this.store.save();
        return {};
      case 'CreateAlias':
        return this.createAlias(input);
      case 'Encrypt':
        return this.encrypt(input);
      case 'Decrypt':
        return this.decrypt(input);
      case 'GenerateDataKey':
        return this.generateDataKey(input);
      case 'ReEncrypt':
        return this.reEncrypt(input);
      default:
        throw new AwsJsonError(
          'UnsupportedOperationException',
          `Operation ${operation} is not supported by this endpoint`,
        );
    }
  }

  private create(input: Input) {
    const id = randomUUID();
    const { partition, region, accountId } = this.scope;
    const key: Key = {
      id,
      arn: `arn:${partition}:kms:${region}:${accountId}:key/${id}`,
      description: optionalString(input, 'Description') ?? '',
      material: randomBytes(32).toString('base64'),
      enabled: true,
      createdAt: new Date().toISOString(),
    };
    this.state.keys.push(key);
    this.store.save();
    return { KeyMetadata: this.metadata(key) };
  }

  private createAlias(input: Input) {
    const alias = requireString(input, 'AliasName');
    if (!alias.startsWith('alias/'))
      throw new AwsJsonError('ValidationException', 'Alias must start with alias/');
    this.state.aliases[alias] = this.find(requireString(input, 'TargetKeyId')).id;
    this.store.save();
    return {};
  }

  private metadata(key: Key) {
    return {
      KeyId: key.id,
      Arn: key.arn,
      AWSAccountId: this.scope.accountId,
      Description: key.description,
      Enabled: key.enabled,
      KeyState: key.enabled ? 'Enabled' : 'Disabled',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyManager: 'CUSTOMER',
      Origin: 'AWS_KMS',
      CreationDate: epochSeconds(key.createdAt),
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    };
  }

  private find(keyId: string): Key {
    const id = this.state.aliases[keyId.replace(/^arn:[^:]+:kms:[^:]+:\d+:(?=alias\/)/, '')] ?? keyId;
    const key = this.state.keys.find((k) => k.id === id || k.arn === id);
    if (!key) throw new AwsJsonError('NotFoundException', `Key '${keyId}' does not exist`);
    return key;
  }

  private usable(keyId: string): Key {
    const key = this.find(keyId);
    if (!key.enabled) throw new AwsJsonError('DisabledException', `${key.arn} is disabled.`);
    return key;
  }

  private seal(key: Key, plaintext: Buffer, context: unknown): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(key.material, 'base64'), iv);
    cipher.setAAD(contextBytes(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    const id = Buffer.from(key.id);
    return Buffer.concat([Buffer.from([id.length]), id, iv, body]).toString('base64');
  }

  private open(blob: string, context: unknown): { key: Key; plaintext: Buffer } {
    const bytes = Buffer.from(blob, 'base64');
    const idLength = bytes[0] ?? 0;
    const keyId = bytes.subarray(1, 1 + idLength).toString();
    const key = this.state.keys.find((k) => k.id === keyId);
    if (!key)
      throw new AwsJsonError('InvalidCiphertextException', 'The ciphertext refers to an unknown key.');
    if (!key.enabled) throw new AwsJsonError('DisabledException', `${key.arn} is disabled.`);
    const iv = bytes.subarray(1 + idLength, 1 + idLength + IV_BYTES);
    const body = bytes.subarray(1 + idLength + IV_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', Buffer.from(key.material, 'base64'), iv);
      decipher.setAAD(contextBytes(context));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return {
        key,
        plaintext: Buffer.concat([
          decipher.update(body.subarray(0, body.length - TAG_BYTES)),
          decipher.final(),
        ]),
      };
    } catch {
      throw new AwsJsonError(
        'InvalidCiphertextException',
        'The ciphertext is invalid or the encryption context does not match.',
      );
    }
  }

  private encrypt(input: Input) {
    const key = this.usable(requireString(input, 'KeyId'));
    const plaintext = Buffer.from(requireString(input, 'Plaintext'), 'base64');
    return {
      CiphertextBlob: this.seal(key, plaintext, input.EncryptionContext),
      KeyId: key.arn,
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    };
  }

  private decrypt(input: Input) {
    const { key, plaintext } = this.open(requireString(input, 'CiphertextBlob'), input.EncryptionContext);
    const expected = optionalString(input, 'KeyId');
    if (expected && this.find(expected).id !== key.id) {
      throw new AwsJsonError(
        'IncorrectKeyException',
        'The key ID in the request does not identify the key used to encrypt.',
      );
    }
    return {
      Plaintext: plaintext.toString('base64'),
      KeyId: key.arn,
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    };
  }

  private generateDataKey(input: Input) {
    const key = this.usable(requireString(input, 'KeyId'));
    const spec = optionalString(input, 'KeySpec');
    const size = typeof input.NumberOfBytes === 'number' ? input.NumberOfBytes : spec === 'AES_128' ? 16 : 32;
    const plaintext = randomBytes(size);
    return {
      CiphertextBlob: this.seal(key, plaintext, input.EncryptionContext),
      Plaintext: plaintext.toString('base64'),
      KeyId: key.arn,
    };
  }

  private reEncrypt(input: Input) {
    const { key: source, plaintext } = this.open(
      requireString(input, 'CiphertextBlob'),
      input.SourceEncryptionContext,
    );
    const target = this.usable(requireString(input, 'DestinationKeyId'));
    return {
      CiphertextBlob: this.seal(target, plaintext, input.DestinationEncryptionContext),
      SourceKeyId: source.arn,
      KeyId: target.arn,
    };
  }
}

/** The encryption context as canonical bytes: sorted keys, so key order never matters. */
function contextBytes(context: unknown): Buffer {
  if (typeof context !== 'object' || context === null) return Buffer.alloc(0);
  const entries = Object.entries(context as Record<string, string>).sort(([a], [b]) => a.localeCompare(b));
  return Buffer.from(JSON.stringify(entries));
}
