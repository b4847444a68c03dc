import type { KMSClient } from '@aws-sdk/client-kms';
import type { VaultDb } from '../db/database';
import type { KeyResolver } from './envelope';
import type { KeyEncryptionKey, LocalKeyEncryptionKey } from './key-encryption-key';
import { KmsKeyEncryptionKey } from './kms-key-encryption-key';

export const TOKEN_VAULT_ID = 'default';

export interface TokenVaultConfig {
  keyType: 'ServiceManagedKey' | 'CustomerManagedKey';
  kmsKeyArn?: string;
  lastModified: Date;
}

/**
 * Which key-encryption key the token vault uses: the local key (`ServiceManagedKey`) until an operator
 * sets a customer KMS key (`CustomerManagedKey`). Every sealed value names its key, so values sealed
 * under any key this vault has used stay readable while they are re-wrapped.
 */
export class TokenVaultKeys implements KeyResolver {
  private currentKey: KeyEncryptionKey;
  private readonly kmsKeys = new Map<string, KmsKeyEncryptionKey>();
  private config: TokenVaultConfig = { keyType: 'ServiceManagedKey', lastModified: new Date(0) };

  constructor(
    private readonly db: VaultDb,
    private readonly local: LocalKeyEncryptionKey,
    private readonly kms: KMSClient,
  ) {
    this.currentKey = local;
  }

  current(): KeyEncryptionKey {
    return this.currentKey;
  }

  byId(kekId: string): KeyEncryptionKey | undefined {
    if (kekId === this.local.id) return this.local;
    return kekId.startsWith('kms:') ? this.kmsKey(kekId.slice('kms:'.length)) : undefined;
  }

  /** A KMS key-encryption key for an ARN, for checks before it becomes current. */
  kmsKey(arn: string): KmsKeyEncryptionKey {
    let key = this.kmsKeys.get(arn);
    if (!key) {
      key = new KmsKeyEncryptionKey(this.kms, arn);
      this.kmsKeys.set(arn, key);
    }
    return key;
  }

  describe(): TokenVaultConfig {
    return this.config;
  }

  /** Reads the stored choice; every replica calls this periodically so a change reaches all of them. */
  async load(): Promise<void> {
    const row = await this.db
      .selectFrom('token_vault')
      .selectAll()
      .where('id', '=', TOKEN_VAULT_ID)
      .executeTakeFirst();
    this.apply(
      row
        ? {
            keyType: row.key_type,
            kmsKeyArn: row.kms_key_arn ?? undefined,
            lastModified: new Date(row.updated_at),
          }
        : { keyType: 'ServiceManagedKey', lastModified: new Date(0) },
    );
  }

  async set(config: { keyType: TokenVaultConfig['keyType']; kmsKeyArn?: string }): Promise<TokenVaultConfig> {
    const now = new Date();
    const values = { key_type: config.keyType, kms_key_arn: config.kmsKeyArn ?? null, updated_at: now };
    await this.db
      .insertInto('token_vault')
      .values({ id: TOKEN_VAULT_ID, ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
    this.apply({ ...config, lastModified: now });
    return this.config;
  }

  private apply(config: TokenVaultConfig) {
    this.config = config;
    this.currentKey =
      config.keyType === 'CustomerManagedKey' && config.kmsKeyArn
        ? this.kmsKey(config.kmsKeyArn)
        : this.local;
  }
}
