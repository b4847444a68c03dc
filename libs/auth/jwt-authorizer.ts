import { CodedError } from '../errors/coded-error';
/** AgentCore's `CustomJWTAuthorizerConfiguration`, as Mandate stores it for a workload identity. */
export interface CustomJwtAuthorizer {
  discoveryUrl: string;
  allowedAudience?: string[];
  allowedClients?: string[];
  allowedScopes?: string[];
  customClaims?: CustomClaimRule[];
}

export interface CustomClaimRule {
  inboundTokenClaimName: string;
  inboundTokenClaimValueType: 'STRING' | 'STRING_ARRAY';
  authorizingClaimMatchValue: {
    claimMatchValue: { matchValueString?: string; matchValueStringList?: string[] };
    claimMatchOperator: 'EQUALS' | 'CONTAINS' | 'CONTAINS_ANY';
  };
}

/** Every way a user JWT can be refused; the message names the check, never the token. */
export type JwtRejection =
  | 'malformed'
  | 'algorithm'
  | 'signature'
  | 'unknown_key'
  | 'missing_claim'
  | 'expired'
  | 'not_yet_valid'
  | 'issuer'
  | 'audience'
  | 'client'
  | 'scope'
  | 'custom_claim'
  | 'issuer_unavailable';

export class JwtRejectedError extends CodedError<JwtRejection> {}

/** Which operator each claim value type supports. */
export const CLAIM_OPERATORS: Record<CustomClaimRule['inboundTokenClaimValueType'], readonly string[]> = {
  STRING: ['EQUALS', 'CONTAINS_ANY'],
  STRING_ARRAY: ['CONTAINS', 'CONTAINS_ANY'],
};

const asList = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;

/**
 * Checks one custom claim rule against a verified payload.
 *
 * @example
 * claimMatches({ groups: ['eng', 'ops'] }, { inboundTokenClaimName: 'groups', inboundTokenClaimValueType: 'STRING_ARRAY',
 *   authorizingClaimMatchValue: { claimMatchValue: { matchValueString: 'ops' }, claimMatchOperator: 'CONTAINS' } }); // true
 */
export function claimMatches(payload: Record<string, unknown>, rule: CustomClaimRule): boolean {
  const value = payload[rule.inboundTokenClaimName];
  const { matchValueString, matchValueStringList = [] } = rule.authorizingClaimMatchValue.claimMatchValue;
  const operator = rule.authorizingClaimMatchValue.claimMatchOperator;
  if (rule.inboundTokenClaimValueType === 'STRING') {
    if (typeof value !== 'string') return false;
    if (operator === 'EQUALS') return value === matchValueString;
    return operator === 'CONTAINS_ANY' && matchValueStringList.includes(value);
  }
  const list = asList(value);
  if (!list) return false;
  if (operator === 'CONTAINS') return matchValueString !== undefined && list.includes(matchValueString);
  return operator === 'CONTAINS_ANY' && matchValueStringList.some((v) => list.includes(v));
}
