import { randomUUID } from 'node:crypto';
import {
  SecretError,
  type SecretRef,
  type SecretStore,
  type StoredSecret,
} from '../../../../libs/secrets/secret-store';

export type { StoredSecret } from '../../../../libs/secrets/secret-store';
import { ValidationException } from '../../../../libs/wire/errors';

export type SecretSource = 'MANAGED' | 'EXTERNAL';

/** A credential provider's secret as the caller gave it: a value to keep (MANAGED) or a reference (EXTERNAL). */
export type SecretInput = { source: 'MANAGED'; value: string } | { source: 'EXTERNAL'; ref: SecretRef };

/** The wire field names of one provider kind: `apiKey`/`apiKeySecretConfig` or `clientSecret`/`clientSecretConfig`. */
export interface SecretFields {
  inline: string;
  config: string;
  source: string;
  /** The JSON key Mandate uses inside the secrets it creates. */
  managedJsonKey: string;
}

/**
 * Reads the secret part of a create or update request into one of the two forms, with the field
 * named in every refusal.
 */
export function secretInput(
  fields: SecretFields,
  input: { inline?: string; config?: { secretId: string; jsonKey: string }; source?: SecretSource },
): SecretInput | undefined {
  const source =
    input.source ?? (input.config ? 'EXTERNAL' : input.inline !== undefined ? 'MANAGED' : undefined);
  if (source === undefined) return undefined;
  if (source === 'EXTERNAL') {
    if (!input.config)
      throw ValidationException.field(fields.config, `is required when ${fields.source} is EXTERNAL`);
    if (input.inline !== undefined)
      throw ValidationException.field(fields.inline, `must be omitted when ${fields.source} is EXTERNAL`);
    return { source, ref: { arn: input.config.secretId, jsonKey: input.config.jsonKey } };
  }
  if (input.config)
    throw ValidationException.field(fields.config, `must be omitted when ${fields.source} is MANAGED`);
  if (!input.inline)
    throw ValidationException.field(fields.inline, `is required when ${fields.source} is MANAGED`);
  return { source, value: input.inline };
}

/**
 * Creates, replaces and deletes the secrets behind credential providers. MANAGED secrets are
 * Mandate's own (created under `mandate/`, tagged, deleted with the provider); EXTERNAL ones are
 * checked at create and never touched.
 */
export class ProviderSecrets {
  constructor(
    private readonly store: SecretStore,
    /** Starts the rotation watch of an external secret (once per secret, however many providers use it). */
    private readonly watchExternal: (arn: string) => Promise<void> = () => Promise.resolve(),
  ) {}

  /**
   * Creates a provider's secret, then the provider with it (`store`, which answers undefined when the
   * name was taken meanwhile): a refused store leaves no managed secret behind, and a stored external
   * secret gets its rotation watch.
   */
  async createWith<R>(
    kind: 'apikey' | 'oauth2',
    provider: string,
    fields: SecretFields,
    input: SecretInput,
    store: (secret: StoredSecret) => Promise<R | undefined>,
  ): Promise<R | undefined> {
    const secret = await this.create(kind, provider, fields, input);
    // A store that fails (or finds the name taken) leaves no managed secret behind.
    const stored = await store(secret).catch(async (err: unknown) => {
      await this.release(secret).catch(() => undefined);
      throw err;
    });
    if (stored === undefined) {
      await this.release(secret);
      return undefined;
    }
    await this.adopted(secret);
    return stored;
  }

  /**
   * Applies an update's secret (none: the current one stays), then stores the provider with it
   * (`store` answers undefined when the provider is gone): the secret no longer in use is released.
   */
  async replaceWith<R>(
    kind: 'apikey' | 'oauth2',
    provider: string,
    fields: SecretFields,
    current: StoredSecret,
    input: SecretInput | undefined,
    store: (secret: StoredSecret) => Promise<R | undefined>,
  ): Promise<R | undefined> {
    const { next, retire } = input
      ? await this.replace(kind, provider, fields, current, input)
      : { next: current, retire: undefined };
    const stored = await store(next).catch(async (err: unknown) => {
      if (retire) await this.release(next).catch(() => undefined);
      throw err;
    });
    if (stored === undefined) {
      if (retire) await this.release(next);
      return undefined;
    }
    if (retire) await this.release(retire);
    await this.adopted(next);
    return stored;
  }

  private async adopted(secret: StoredSecret): Promise<void> {
    if (secret.source === 'EXTERNAL') await this.watchExternal(secret.ref.arn);
  }

  private async create(
    kind: 'apikey' | 'oauth2',
    provider: string,
    fields: SecretFields,
    input: SecretInput,
  ): Promise<StoredSecret> {
    if (input.source === 'EXTERNAL') {
      try {
        await this.store.checkExternal(input.ref);
      } catch (err) {
        throw SecretError.for(err, { field: fields.config });
      }
      return { source: 'EXTERNAL', ref: input.ref };
    }
    try {
      const ref = await this.store.createManaged({
        // A fresh suffix: a deleted provider's secret waits out its recovery window under the old name.
        name: `mandate/${kind}/${provider}/${randomUUID().slice(0, 8)}`,
        jsonKey: fields.managedJsonKey,
        value: input.value,
        tags: { 'mandate:credential-provider': provider },
      });
      return { source: 'MANAGED', ref };
    } catch (err) {
      throw err instanceof SecretError
        ? SecretError.for(err, { field: fields.config })
        : new SecretError('unavailable', 'create failed', { cause: err, use: { field: fields.config } });
    }
  }

  /** Applies an update: a new managed value becomes a new version; a change of source swaps the secret. */
  private async replace(
    kind: 'apikey' | 'oauth2',
    provider: string,
    fields: SecretFields,
    current: StoredSecret,
    input: SecretInput,
  ): Promise<{ next: StoredSecret; retire?: StoredSecret }> {
    if (input.source === 'MANAGED' && current.source === 'MANAGED') {
      await this.store.updateManaged(current.ref, input.value);
      return { next: current };
    }
    const next = await this.create(kind, provider, fields, input);
    return { next, retire: current };
  }

  async release(secret: StoredSecret): Promise<void> {
    if (secret.source === 'MANAGED') await this.store.deleteManaged(secret.ref);
  }

  async value(secret: StoredSecret, provider: string, options: { force?: boolean } = {}): Promise<string> {
    try {
      return await this.store.read(secret.ref, options);
    } catch (err) {
      throw SecretError.for(err, { provider });
    }
  }
}
