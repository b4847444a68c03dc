import { z } from 'zod';
import { CLAIM_OPERATORS } from '../../../../libs/auth/jwt-authorizer';
import { unsupported } from '../../../../libs/wire/validation';
import { PRIVATE_ENDPOINTS } from '../oauth2-providers/oauth2-provider.schemas';
import { workloadIdentityName } from '../workload-identities/workload-identity.schemas';

const nonEmptyList = <T extends z.ZodType>(item: T) =>
  z.array(item).min(1, 'must hold at least one value').max(100, 'must hold at most 100 values');
const bounded = (max: number) =>
  z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const matchValue = bounded(255).regex(/^[A-Za-z0-9_.-]+$/, 'must match [A-Za-z0-9_.-]+');

const customClaim = z
  .object({
    inboundTokenClaimName: bounded(255).regex(/^[A-Za-z0-9_.:-]+$/, 'must match [A-Za-z0-9_.-:]+'),
    inboundTokenClaimValueType: z.enum(['STRING', 'STRING_ARRAY']),
    authorizingClaimMatchValue: z.object({
      claimMatchValue: z
        .object({
          matchValueString: matchValue.optional(),
          matchValueStringList: nonEmptyList(matchValue).optional(),
        })
        .refine(
          (v) => (v.matchValueString === undefined) !== (v.matchValueStringList === undefined),
          'must set exactly one of matchValueString and matchValueStringList',
        ),
      claimMatchOperator: z.enum(['EQUALS', 'CONTAINS', 'CONTAINS_ANY']),
    }),
  })
  .superRefine((rule, ctx) => {
    const { claimMatchOperator: operator, claimMatchValue: value } = rule.authorizingClaimMatchValue;
    if (!CLAIM_OPERATORS[rule.inboundTokenClaimValueType].includes(operator)) {
      ctx.addIssue({
        code: 'custom',
        path: ['authorizingClaimMatchValue', 'claimMatchOperator'],
        message: `${operator} does not apply to ${rule.inboundTokenClaimValueType} claims`,
      });
    }
    const wantsList = operator === 'CONTAINS_ANY';
    if (wantsList !== (value.matchValueStringList !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['authorizingClaimMatchValue', 'claimMatchValue'],
        message: wantsList ? 'CONTAINS_ANY needs matchValueStringList' : `${operator} needs matchValueString`,
      });
    }
  });

/** AgentCore's CustomJWTAuthorizerConfiguration; only OIDC discovery URLs, as AgentCore requires. */
export const customJwtAuthorizer = z.object({
  discoveryUrl: bounded(2048).regex(
    /^.+\/\.well-known\/openid-configuration$/,
    'must end with /.well-known/openid-configuration',
  ),
  allowedAudience: nonEmptyList(bounded(255)).optional(),
  allowedClients: nonEmptyList(bounded(255)).optional(),
  allowedScopes: nonEmptyList(
    bounded(255).regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be a valid OAuth scope'),
  ).optional(),
  customClaims: z
    .array(customClaim)
    .min(1, 'must hold at least one rule')
    .max(20, 'must hold at most 20 rules')
    .optional(),
  advertisedScopeMapping: unsupported('is not supported by Mandate; list the scopes in allowedScopes'),
  allowedWorkloadConfiguration: unsupported('is not supported by Mandate'),
  privateEndpoint: unsupported(PRIVATE_ENDPOINTS),
  privateEndpointOverrides: unsupported(PRIVATE_ENDPOINTS),
});

export const putAuthorizerInput = z.object({
  name: workloadIdentityName,
  authorizerConfiguration: z.object({ customJWTAuthorizer: customJwtAuthorizer }),
});

export const authorizerNameInput = z.object({ name: workloadIdentityName });
