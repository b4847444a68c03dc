import { ApplicationFailure } from '@temporalio/activity';
import { ResponseBodyError, type ProviderClient } from '../../libs/oauth/oauth-client';
import type { Oauth2ProvidersRepository } from '../../libs/providers/oauth2-providers.repository';
import type { SecretStore } from '../../libs/secrets/secret-store';

export type LoadedProvider = ProviderClient & { callbackId: string };

/** A provider with its client secret read now (`force` skips the cache, after `invalid_client`). */
export async function loadProviderClient(
  providers: Oauth2ProvidersRepository,
  secrets: SecretStore,
  name: string,
  force = false,
): Promise<LoadedProvider> {
  const record = await providers.find(name);
  if (!record)
    throw ApplicationFailure.nonRetryable(`Credential provider ${name} no longer exists`, 'provider_deleted');
  return {
    name,
    vendor: record.vendor,
    config: record.config,
    clientSecret: await secrets.read(record.secret.ref, { force }),
    version: record.updatedAt.toISOString(),
    callbackId: record.callbackId,
  };
}

/**
 * Calls the token endpoint; on `invalid_client` (a rotated client secret) reads the secret again and
 * retries once. Permanent answers become non-retryable failures typed by their OAuth error code;
 * anything else (network, 5xx) is rethrown for Temporal to retry. Messages carry codes, never the
 * server's description, which may echo what it was sent.
 */
export async function withClientSecretRetry<T>(call: (force: boolean) => Promise<T>): Promise<T> {
  try {
    return await call(false);
  } catch (err) {
    if (!(err instanceof ResponseBodyError && err.error === 'invalid_client')) throw classify(err);
    try {
      return await call(true);
    } catch (retryErr) {
      throw classify(retryErr);
    }
  }
}

function classify(err: unknown): unknown {
  if (err instanceof ResponseBodyError && err.status < 500) {
    return ApplicationFailure.nonRetryable(`The token endpoint refused the request: ${err.error}`, err.error);
  }
  return err;
}
