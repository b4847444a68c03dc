import { z } from 'zod';
import { SOURCE_TYPES } from '../../../../libs/portal/consent-portals.repository';

export const portalName = z
  .string({ error: 'is required and must be a string' })
  .regex(/^[a-zA-Z][a-zA-Z0-9_-]{0,47}$/, 'must be 1-48 letters, digits, - or _, starting with a letter');

const idpConfig = z.object({
  credentialProviderArn: z.string({ error: 'is required and must be a string' }).min(1).max(2048),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,256}$/, 'must be OAuth scope tokens'))
    .min(1, 'must name at least openid')
    .max(50)
    .refine(
      (scopes) => scopes.includes('openid'),
      'must include openid: the portal signs people in with OpenID Connect',
    ),
  audience: z.string().min(1).max(2048).optional(),
});

const sources = z
  .array(
    z.object({
      identifier: z.string({ error: 'is required and must be a string' }).min(1).max(2048),
      type: z.enum(SOURCE_TYPES, { error: `must be one of ${SOURCE_TYPES.join(', ')}` }),
    }),
  )
  .max(100);

const description = z.string().max(4096);
const tags = z.record(z.string().min(1).max(128), z.string().max(256));
/** A Mandate extension: which ID token claim is the person's user id (default `sub`). */
const userIdClaim = z.string().regex(/^[A-Za-z0-9_:.-]{1,64}$/, 'must be a claim name');

export const createPortalInput = z.object({
  name: portalName,
  description: description.optional(),
  idpConfig,
  sources: sources.default([]),
  executionRoleArn: z.string().min(1).max(2048).optional(),
  tags: tags.optional(),
  userIdClaim: userIdClaim.optional(),
  clientToken: z.string().min(1).max(256).optional(),
});

export const portalIdentifierInput = z.object({
  consentPortalIdentifier: z.string({ error: 'is required and must be a string' }).min(1).max(2048),
});

export const updatePortalInput = portalIdentifierInput.extend({
  description: description.optional(),
  idpConfig: idpConfig.optional(),
  executionRoleArn: z.string().min(1).max(2048).optional(),
});

export const listPortalsInput = z.object({
  maxResults: z.number().int().min(1).max(100).optional(),
  nextToken: z.string().min(1).max(2048).optional(),
});
