import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { CodedError } from '../errors/coded-error';
import type { KeyEncryptionKey } from './key-encryption-key';

/** Raised when the key-encryption key cannot be used; the vault fails closed and loses nothing. */
export class VaultKeyUnavailableError extends CodedError<'wrap_failed' | 'unwrap_failed'> {
  constructor(
    readonly kekId: string,
    operation: 'wrap' | 'unwrap',
    options?: { cause?: unknown },
  ) {
    const name = (options?.cause as { name?: string } | undefined)?.name;
    super(
      operation === 'wrap' ? 'wrap_failed' : 'unwrap_failed',
      `The vault key ${kekId} could not ${operation} a data key${name ? ` (${name})` : ''}`,
      options,
    );
  }
}

/** Binds every wrapped data key to this use, so a ciphertext made for something else fails to unwrap. */
const ENCRYPTION_CONTEXT = { purpose: 'mandate-token-vault-data-key' };

/**
 * A customer's KMS key as the vault's key-encryption key: data keys are wrapped with KMS Encrypt and
 * unwrapped with Decrypt, so the vault is readable only while the customer's key policy allows it.
 *
 * @example
 * const kek = new KmsKeyEncryptionKey(kms, 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-...');
 */
export class KmsKeyEncryptionKey implements KeyEncryptionKey {
  readonly id: string;

  constructor(
    private readonly kms: KMSClient,
    readonly keyArn: string,
  ) {
    this.id = `kms:${keyArn}`;
  }

  async wrap(dataKey: Buffer): Promise<Buffer> {
    try {
      const { CiphertextBlob } = await this.kms.send(
        new EncryptCommand({ KeyId: this.keyArn, Plaintext: dataKey, EncryptionContext: ENCRYPTION_CONTEXT }),
      );
      if (!CiphertextBlob) throw new Error('KMS returned no ciphertext');
      return Buffer.from(CiphertextBlob);
    } catch (err) {
      throw new VaultKeyUnavailableError(this.id, 'wrap', { cause: err });
    }
  }

  async unwrap(wrapped: Buffer): Promise<Buffer> {
    try {
      const { Plaintext } = await this.kms.send(
        new DecryptCommand({
          CiphertextBlob: wrapped,
          KeyId: this.keyArn,
          EncryptionContext: ENCRYPTION_CONTEXT,
        }),
      );
      if (!Plaintext) throw new Error('KMS returned no plaintext');
      return Buffer.from(Plaintext);
    } catch (err) {
      throw new VaultKeyUnavailableError(this.id, 'unwrap', { cause: err });
    }
  }
}
