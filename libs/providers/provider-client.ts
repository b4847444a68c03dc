import type { ProviderClient } from '../oauth/oauth-client';
import type { Oauth2ProviderRecord } from './oauth2-providers.repository';

/**
 * The one rule from a stored OAuth2 credential provider to what the OAuth client needs: its
 * configuration, the client secret read at use, and a version that changes with every update (so
 * cached discovery is not reused across updates).
 *
 * @example
 * const client = providerClient(record, await secrets.read(record.secret.ref));
 * await oauth.authorizationUrl(client, request);
 */
export function providerClient(
  record: Pick<Oauth2ProviderRecord, 'name' | 'vendor' | 'config' | 'updatedAt'>,
  clientSecret: string,
): ProviderClient {
  return {
    name: record.name,
    vendor: record.vendor,
    config: record.config,
    clientSecret,
    version: record.updatedAt.toISOString(),
  };
}
