import type { OutboundPolicy } from '../net/outbound-fetch';
import { assertOutboundUrlField } from '../wire/outbound-url-field';
import { ValidationException } from '../wire/errors';
import type { JwtVerifier } from './jwt.verifier';

/**
 * Checks an issuer before it is trusted (a JWT authorizer, a web identity trust): its discovery URL
 * passes the outbound guard, and it answers now with a discovery document that has `issuer` and
 * `jwks_uri`. A refusal is a ValidationException on `field`.
 */
export async function assertUsableIssuer(
  discoveryUrl: string,
  field: string,
  verifier: Pick<JwtVerifier, 'forget' | 'issuerOf'>,
  outbound: OutboundPolicy,
): Promise<void> {
  assertOutboundUrlField(discoveryUrl, field, outbound);
  verifier.forget(discoveryUrl);
  try {
    await verifier.issuerOf(discoveryUrl);
  } catch {
    throw ValidationException.field(
      field,
      'did not answer with an OpenID discovery document with issuer and jwks_uri',
    );
  }
}
