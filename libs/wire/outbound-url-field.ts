import { assertOutboundUrl, OutboundUrlRefused, type OutboundPolicy } from '../net/outbound-fetch';
import { ValidationException } from './errors';

/** The outbound URL guard on a URL a caller gave: a refusal is a ValidationException naming `field`. */
export function assertOutboundUrlField(raw: string, field: string, policy: OutboundPolicy): void {
  try {
    assertOutboundUrl(raw, policy);
  } catch (err) {
    if (err instanceof OutboundUrlRefused) throw ValidationException.field(field, err.reason);
    throw err;
  }
}
