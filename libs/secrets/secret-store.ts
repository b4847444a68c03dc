import { CodedError } from '../errors/coded-error';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

/** Where a secret value lives: a Secrets Manager secret and the JSON key inside it. */
export interface SecretRef {
  arn: string;
  jsonKey: string;
}

/** A credential provider's secret: Mandate's own (MANAGED) or the customer's (EXTERNAL), and where it is. */
export interface StoredSecret {
  source: 'MANAGED' | 'EXTERNAL';
  ref: SecretRef;
}

export type SecretProblem =
  | 'not_found'
  | 'not_readable'
  | 'not_json'
  | 'key_missing'
  | 'other_region'
  | 'malformed_arn'
  | 'unavailable';

/**
 * What a secret serves, so the error funnel can say what to fix: the request field that named it
 * (at create and update), or the credential provider it belongs to (at use).
 */
export type SecretUse = { field: string } | { provider: string };

/** A secret that cannot serve: the message says which check failed and never holds the value. */
export class SecretError extends CodedError<SecretProblem> {
  readonly use?: SecretUse;

  constructor(code: SecretProblem, message: string, options?: { cause?: unknown; use?: SecretUse }) {
    super(code, message, options);
    if (options?.use) this.use = options.use;
  }

  /** `err` named for what the secret serves when it is a SecretError; anything else unchanged. */
  static for(err: unknown, use: SecretUse): unknown {
    return err instanceof SecretError
      ? new SecretError(err.code, err.message, { cause: err.cause, use })
      : err;
  }
}

const ARN =
  /^arn:(aws|aws-us-gov|aws-cn):secretsmanager:([a-z0-9-]{1,64}):(\d{12}):secret:([a-zA-Z0-9\-_/+=.@!]+)$/;

/** The tag every secret Mandate creates carries, so operators can tell them apart and scope policies. */
export const MANAGED_TAG = { Key: 'mandate:managed-by', Value: 'mandate' };

interface CacheEntry {
  value: string;
  versionId: string | undefined;
  fetchedAt: number;
}

/**
 * Secret values in AWS Secrets Manager: secrets Mandate creates and deletes (MANAGED) and the
 * customer's own, referenced by ARN and JSON key (EXTERNAL, never modified). Values are read at use
 * through a short cache of the AWSCURRENT version; `force` skips it (after an `invalid_client`).
 *
 * @example
 * const store = new SecretStore(client, { region: 'us-east-1', cacheTtlMs: 30_000 });
 * const ref = await store.createManaged({ name: 'mandate/apikey/openai', jsonKey: 'apiKey', value, tags: {} });
 * await store.read(ref); // the value
 */
export class SecretStore {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly options: { region: string; cacheTtlMs: number; now?: () => number },
  ) {}

  private now() {
    return this.options.now?.() ?? Date.now();
  }

  async createManaged(input: {
    name: string;
    jsonKey: string;
    value: string;
    tags: Record<string, string>;
  }): Promise<SecretRef> {
    const created = await this.client.send(
      new CreateSecretCommand({
        Name: input.name,
        SecretString: JSON.stringify({ [input.jsonKey]: input.value }),
        Description: 'Created by Mandate for a credential provider; deleted with it.',
        Tags: [MANAGED_TAG, ...Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value }))],
      }),
    );
    if (!created.ARN) throw new SecretError('unavailable', 'Secrets Manager returned no ARN');
    return { arn: created.ARN, jsonKey: input.jsonKey };
  }

  async updateManaged(ref: SecretRef, value: string): Promise<void> {
    await this.client.send(
      new PutSecretValueCommand({
        SecretId: ref.arn,
        SecretString: JSON.stringify({ [ref.jsonKey]: value }),
      }),
    );
    this.cache.delete(ref.arn);
  }

  /** Deletes a managed secret with Secrets Manager's recovery window, so a mistaken delete can be undone. */
  async deleteManaged(ref: SecretRef): Promise<void> {
    await this.client.send(new DeleteSecretCommand({ SecretId: ref.arn, RecoveryWindowInDays: 7 }));
    this.cache.delete(ref.arn);
  }

  /** Checks the shape of an external secret's ARN: Secrets Manager, this region, any account. */
  parseExternalArn(secretId: string): string {
    const match = ARN.exec(secretId);
    if (!match) throw new SecretError('malformed_arn', 'must be the ARN of a Secrets Manager secret');
    if (match[2] !== this.options.region) {
      throw new SecretError('other_region', `must be a secret in ${this.options.region}, not ${match[2]}`);
    }
    return secretId;
  }

  /** Validates an external reference the way it will be used: it exists, is readable, is JSON and has the key. */
  async checkExternal(ref: SecretRef): Promise<void> {
    this.parseExternalArn(ref.arn);
    await this.read(ref, { force: true });
  }

  async read(ref: SecretRef, options: { force?: boolean } = {}): Promise<string> {
    const cached = this.cache.get(ref.arn);
    const entry =
      !options.force && cached && this.now() - cached.fetchedAt < this.options.cacheTtlMs
        ? cached
        : await this.fetch(ref.arn);
    return extract(entry.value, ref.jsonKey);
  }

  /** The AWSCURRENT version id last seen for a secret, for rotation watches. */
  cachedVersion(arn: string): string | undefined {
    return this.cache.get(arn)?.versionId;
  }

  invalidate(arn: string): void {
    this.cache.delete(arn);
  }

  /** Drops every cached value whose version is not the one now known to be current. */
  invalidateStale(current: { arn: string; versionId: string }[]): number {
    let dropped = 0;
    for (const { arn, versionId } of current) {
      const cached = this.cache.get(arn);
      if (cached && cached.versionId !== versionId) {
        this.cache.delete(arn);
        dropped += 1;
      }
    }
    return dropped;
  }

  /** The id of the secret's AWSCURRENT version, from its metadata: the value is not read. */
  async currentVersion(arn: string): Promise<string> {
    try {
      const described = await this.client.send(new DescribeSecretCommand({ SecretId: arn }));
      const current = Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) =>
        stages.includes('AWSCURRENT'),
      );
      if (!current) throw new SecretError('not_found', 'has no AWSCURRENT version');
      return current[0];
    } catch (err) {
      throw classify(err);
    }
  }

  private async fetch(arn: string): Promise<CacheEntry> {
    try {
      const answer = await this.client.send(
        new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSCURRENT' }),
      );
      if (answer.SecretString === undefined)
        throw new SecretError('not_json', 'holds binary data, not a JSON object');
      const entry = { value: answer.SecretString, versionId: answer.VersionId, fetchedAt: this.now() };
      this.cache.set(arn, entry);
      return entry;
    } catch (err) {
      throw classify(err);
    }
  }
}

function extract(secretString: string, jsonKey: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new SecretError('not_json', 'holds a value that is not a JSON object');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SecretError('not_json', 'holds a value that is not a JSON object');
  }
  const value = (parsed as Record<string, unknown>)[jsonKey];
  if (typeof value !== 'string')
    throw new SecretError('key_missing', `has no string value under the JSON key ${jsonKey}`);
  return value;
}

function classify(err: unknown): SecretError {
  if (err instanceof SecretError) return err;
  const name = (err as { name?: string }).name ?? '';
  if (name === 'ResourceNotFoundException')
    return new SecretError('not_found', 'does not exist', { cause: err });
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || name === 'InvalidRequestException') {
    return new SecretError('not_readable', 'cannot be read by Mandate (access denied, deleted or disabled)', {
      cause: err,
    });
  }
  if (name === 'DecryptionFailure')
    return new SecretError('not_readable', 'cannot be decrypted by Mandate (KMS key access)', { cause: err });
  return new SecretError('unavailable', 'could not be read from Secrets Manager', { cause: err });
}
