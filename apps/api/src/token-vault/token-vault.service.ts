import { randomBytes, timingSafeEqual } from 'node:crypto';
import { VaultKeyUnavailableError } from '../../../../libs/vault/kms-key-encryption-key';
import {
  TOKEN_VAULT_ID,
  type TokenVaultConfig,
  type TokenVaultKeys,
} from '../../../../libs/vault/token-vault';
import { ResourceNotFoundException, ValidationException } from '../../../../libs/wire/errors';

const ARN_FIELD = 'kmsConfiguration.kmsKeyArn';

/**
 * The token vault's key: the local key (ServiceManagedKey) or a customer KMS key. A switch is
 * checked first (the key must wrap and unwrap), then takes effect for new values at once, while
 * existing values are re-wrapped in the background and stay readable throughout.
 */
export class TokenVaultService {
  constructor(
    private readonly vaultKeys: TokenVaultKeys,
    /** Re-wraps stored values under the current key; never throws. */
    private readonly rewrapVault: () => Promise<void>,
  ) {}

  get(id: string | undefined) {
    this.require(id);
    return this.describe(this.vaultKeys.describe());
  }

  async set(id: string | undefined, kms: { keyType: TokenVaultConfig['keyType']; kmsKeyArn?: string }) {
    this.require(id);
    if (kms.keyType === 'CustomerManagedKey') {
      if (!kms.kmsKeyArn) throw ValidationException.field(ARN_FIELD, 'is required for CustomerManagedKey');
      await this.assertUsable(kms.kmsKeyArn);
    } else if (kms.kmsKeyArn) {
      throw ValidationException.field(ARN_FIELD, 'must be omitted for ServiceManagedKey');
    }
    const config = await this.vaultKeys.set(kms);
    // Re-wrapping runs after the answer; every replica's periodic pass finishes it if this process stops.
    void this.rewrapVault();
    return this.describe(config);
  }

  private require(id: string | undefined) {
    if (id !== undefined && id !== TOKEN_VAULT_ID)
      throw new ResourceNotFoundException(`Token vault ${id} does not exist`);
  }

  private async assertUsable(arn: string) {
    const key = this.vaultKeys.kmsKey(arn);
    const probe = randomBytes(32);
    try {
      const back = await key.unwrap(await key.wrap(probe));
      if (!timingSafeEqual(back, probe)) throw new Error('round trip mismatch');
    } catch (err) {
      const reason =
        err instanceof VaultKeyUnavailableError ? err.message : 'the key did not round-trip a data key';
      throw ValidationException.field(ARN_FIELD, `is not usable by Mandate: ${reason}`);
    }
  }

  private describe(config: TokenVaultConfig) {
    return {
      tokenVaultId: TOKEN_VAULT_ID,
      kmsConfiguration: {
        keyType: config.keyType,
        ...(config.kmsKeyArn ? { kmsKeyArn: config.kmsKeyArn } : {}),
      },
      lastModifiedDate: config.lastModified.getTime() / 1000,
    };
  }
}
