import { z } from 'zod';
import { credentialProviderName } from '../credential-providers/credential-provider.schemas';

const SESSION_URI = /^urn:ietf:params:oauth:request_uri:[a-zA-Z0-9\-._~]+$/;
export const SESSION_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';
/** An approval a policy asks for is polled like a consent, in every flow (apps/api/src/approvals). */
export const APPROVAL_URI_PREFIX = `${SESSION_URI_PREFIX}approval-`;

const sessionUri = z
  .string()
  .min(1)
  .max(1024)
  .regex(SESSION_URI, 'must be urn:ietf:params:oauth:request_uri:<id>');
const jwt = z
  .string()
  .min(1)
  .max(131_072)
  .regex(/^[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]*$/, 'must be a JWT in compact form');

/** Members that only a user consent uses; M2M and on-behalf-of requests refuse them by name. */
const CONSENT_ONLY = ['sessionUri', 'customParameters', 'customState'] as const;

export const getResourceOauth2TokenInput = z
  .object({
    workloadIdentityToken: z.string().min(1).max(131_072),
    resourceCredentialProviderName: credentialProviderName,
    scopes: z
      .array(z.string().min(1, 'scopes must not be empty').max(128, 'scopes must be at most 128 characters'))
      .max(100),
    oauth2Flow: z.enum(['USER_FEDERATION', 'M2M', 'ON_BEHALF_OF_TOKEN_EXCHANGE']),
    sessionUri: sessionUri.optional(),
    resourceOauth2ReturnUrl: z
      .string()
      .min(1)
      .max(2048)
      .regex(/^\w+:(\/?\/?)[^\s]+$/, 'must be a URL')
      .optional(),
    forceAuthentication: z.boolean().optional(),
    customParameters: z
      .record(
        z
          .string()
          .min(1)
          .max(256)
          .regex(/^[a-zA-Z0-9\-_.]+$/, 'keys must match [a-zA-Z0-9-_.]+'),
        z.string().min(1).max(2048),
      )
      .optional(),
    customState: z.string().min(1).max(4096).optional(),
    resources: z.array(z.string().min(1).max(2048)).max(20).optional(),
    audiences: z.array(z.string().min(1).max(2048)).max(20).optional(),
  })
  .superRefine((input, ctx) => {
    if (input.oauth2Flow === 'USER_FEDERATION') return;
    for (const member of CONSENT_ONLY) {
      if (member === 'sessionUri' && input.sessionUri?.startsWith(APPROVAL_URI_PREFIX)) continue;
      if (input[member] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [member],
          message: `applies to USER_FEDERATION only, not ${input.oauth2Flow}`,
        });
    }
  });

export type GetResourceOauth2TokenInput = z.output<typeof getResourceOauth2TokenInput>;

export const completeResourceTokenAuthInput = z.object({
  userIdentifier: z
    .object({ userToken: jwt.optional(), userId: z.string().min(1).max(128).optional() })
    .refine(
      (u) => (u.userToken === undefined) !== (u.userId === undefined),
      'must hold exactly one of userToken and userId',
    ),
  sessionUri,
});

export const callbackQuery = z.object({
  state: z.string().min(1).max(512).optional(),
  code: z.string().min(1).max(4096).optional(),
  error: z.string().max(256).optional(),
  iss: z.string().max(2048).optional(),
});
