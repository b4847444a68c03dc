import { ApplicationFailure } from '@temporalio/activity';
import {
  ResponseBodyError,
  WWWAuthenticateChallengeError,
  type ProviderClient,
} from '../../libs/oauth/oauth-client';
import type { Oauth2ProvidersRepository } from '../../libs/providers/oauth2-providers.repository';
import { providerClient } from '../../libs/providers/provider-client';
import { renewalFailureOf, type RenewalFailure } from '../../workflows/connection-lifecycle/definitions';
import type { SecretStore } from '../../libs/secrets/secret-store';

export type LoadedProvider = ProviderClient & { callbackId: string };

/** A provider with its client secret read now (`force` skips the cache, after `invalid_client`). */
export async function loadProviderClient(
  providers: Oauth2ProvidersRepository,
  secrets: Pick<SecretStore, 'read'>,
  name: string,
  force = false,
): Promise<LoadedProvider> {
  const record = await providers.find(name);
  if (!record)
    throw ApplicationFailure.nonRetryable(
      `Credential provider ${name} no longer exists`,
      'provider_deleted' satisfies RenewalFailure,
    );
  const clientSecret = await secrets.read(record.secret.ref, { force });
  return { ...providerClient(record, clientSecret), callbackId: record.callbackId };
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
    if (oauthError(err)?.error !== 'invalid_client') throw classify(err);
    try {
      return await call(true);
    } catch (retryErr) {
      throw classify(retryErr);
    }
  }
}

/**
 * The OAuth error code and status of a token endpoint refusal: from the JSON body, or from the
 * `WWW-Authenticate` challenge servers send with a 401 (RFC 6749 §5.2, client_secret_basic).
 */
function oauthError(err: unknown): { error: string; status: number } | undefined {
  if (err instanceof ResponseBodyError) return { error: err.error, status: err.status };
  if (err instanceof WWWAuthenticateChallengeError) {
    const error = err.cause.map((challenge) => challenge.parameters.error).find(Boolean);
    return { error: error ?? 'invalid_client', status: err.status };
  }
  return undefined;
}

function classify(err: unknown): unknown {
  const refused = oauthError(err);
  if (refused && refused.status < 500) {
    const failure = renewalFailureOf(refused.error);
    return ApplicationFailure.nonRetryable(`The token endpoint refused the request: ${failure}`, failure);
  }
  return err;
}

/**
 * A failed grant as metrics count it: the OAuth error code of a refusal (what `withClientSecretRetry`
 * throws), else `unavailable` (a failure Temporal retries: network, 5xx).
 */
export function grantOutcome(err: unknown): string {
  if (err instanceof ApplicationFailure && err.nonRetryable) return err.type ?? 'Failure';
  return 'unavailable';
}
