import type { OutboundPolicy } from '../../../../libs/net/outbound-fetch';
import { discoveryUrls, type Oauth2ProviderConfig } from '../../../../libs/providers/provider-config';
import { resolveDiscovery, vendorSpec } from '../../../../libs/providers/vendors';
import { ValidationException } from '../../../../libs/wire/errors';
import { assertOutboundUrlField } from '../../../../libs/wire/outbound-url-field';
import { secretInput, type SecretInput } from '../credential-providers/provider-secrets';
import { CLIENT_SECRET_FIELDS, type Oauth2ProviderInput } from './oauth2-provider.schemas';

export type { Oauth2ProviderConfig } from '../../../../libs/providers/provider-config';

const INPUT = 'oauth2ProviderConfigInput';

/**
 * Turns a create or update request into the stored configuration (authorization server resolved
 * through the vendor catalog, every URL through the outbound guard) and the client secret input.
 */
export function toProviderConfig(
  input: Oauth2ProviderInput,
  outbound: OutboundPolicy,
): { config: Oauth2ProviderConfig; secret: SecretInput | undefined } {
  const spec = vendorSpec(input.credentialProviderVendor);
  const [member, given] =
    Object.entries(input.oauth2ProviderConfigInput).find(([, v]) => v !== undefined) ?? [];
  if (!spec || !member || !given)
    throw ValidationException.field(INPUT, 'must set exactly one provider configuration');
  if (member !== spec.member) {
    throw ValidationException.field(
      `${INPUT}.${member}`,
      `does not apply to ${spec.vendor}; use ${spec.member}`,
    );
  }
  const fields = given as {
    clientId?: string;
    clientSecret?: string;
    clientSecretConfig?: { secretId: string; jsonKey: string };
    clientSecretSource?: 'MANAGED' | 'EXTERNAL';
    tenantId?: string;
    issuer?: string;
    authorizationEndpoint?: string;
    tokenEndpoint?: string;
    oauthDiscovery?: Oauth2ProviderConfig['discovery'];
    clientAuthenticationMethod?: Oauth2ProviderConfig['clientAuthenticationMethod'];
    onBehalfOfTokenExchangeConfig?: Oauth2ProviderConfig['onBehalfOfTokenExchangeConfig'];
    privateKeyJwtConfig?: unknown;
  };
  const at = (field: string) => `${INPUT}.${member}.${field}`;
  if (fields.privateKeyJwtConfig !== undefined || fields.clientAuthenticationMethod === 'PRIVATE_KEY_JWT') {
    throw ValidationException.field(
      at('privateKeyJwtConfig'),
      'private_key_jwt client authentication is not supported yet',
    );
  }
  if (fields.clientAuthenticationMethod === 'AWS_IAM_ID_TOKEN_JWT') {
    throw ValidationException.field(
      at('clientAuthenticationMethod'),
      'AWS_IAM_ID_TOKEN_JWT is not supported by Mandate',
    );
  }
  const { discovery, missing } = resolveDiscovery(spec, fields);
  if (!discovery)
    throw ValidationException.field(at(missing ?? 'oauthDiscovery'), `is required for ${spec.vendor}`);
  for (const { field, url } of discoveryUrls(discovery)) assertOutboundUrlField(url, at(field), outbound);
  const config: Oauth2ProviderConfig = {
    member: member,
    discovery,
    ...(fields.clientId !== undefined ? { clientId: fields.clientId } : {}),
    ...(fields.tenantId ? { tenantId: fields.tenantId } : {}),
    ...(fields.issuer ? { issuer: fields.issuer } : {}),
    ...(fields.authorizationEndpoint ? { authorizationEndpoint: fields.authorizationEndpoint } : {}),
    ...(fields.tokenEndpoint ? { tokenEndpoint: fields.tokenEndpoint } : {}),
    ...(fields.clientAuthenticationMethod
      ? { clientAuthenticationMethod: fields.clientAuthenticationMethod }
      : {}),
    ...(fields.onBehalfOfTokenExchangeConfig
      ? { onBehalfOfTokenExchangeConfig: fields.onBehalfOfTokenExchangeConfig }
      : {}),
  };
  const secret = secretInput(clientSecretFields(member), {
    inline: fields.clientSecret,
    config: fields.clientSecretConfig,
    source: fields.clientSecretSource,
  });
  return { config, secret };
}

/** The field names of the client secret inside this provider's configuration member. */
export function clientSecretFields(member: string) {
  return {
    inline: `${INPUT}.${member}.clientSecret`,
    config: `${INPUT}.${member}.clientSecretConfig`,
    source: `${INPUT}.${member}.clientSecretSource`,
    managedJsonKey: CLIENT_SECRET_FIELDS.managedJsonKey,
  };
}

/** `oauth2ProviderConfigOutput`: the configuration echoed back with the resolved discovery, never the secret. */
export function toConfigOutput(config: Oauth2ProviderConfig) {
  return {
    [config.member]: {
      oauthDiscovery: config.discovery,
      ...(config.clientId !== undefined ? { clientId: config.clientId } : {}),
      ...(config.clientAuthenticationMethod
        ? { clientAuthenticationMethod: config.clientAuthenticationMethod }
        : {}),
      ...(config.onBehalfOfTokenExchangeConfig
        ? { onBehalfOfTokenExchangeConfig: config.onBehalfOfTokenExchangeConfig }
        : {}),
    },
  };
}
