import { z } from 'zod';
import { tags } from '../workload-identities/workload-identity.schemas';
import { MAX_SESSION_SECONDS, MIN_SESSION_SECONDS } from '../../../../libs/auth/web-identity-trust';

/** IAM's role name characters and length. */
export const principalName = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9+=,.@_-]+$/, 'must match [A-Za-z0-9+=,.@_-]+');

/** A policy document as a JSON object, or as its JSON text (as IAM takes it). */
const policyDocument = z.union([z.record(z.string(), z.unknown()), z.string().min(1).max(65_536)]);
const description = z.string().max(1000, 'must be at most 1000 characters');

const text = (max: number) =>
  z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const list = <T extends z.ZodType>(item: T, max: number) =>
  z.array(item).min(1, 'must hold at least one value').max(max, `must hold at most ${max} values`);

/** Who may assume the principal with a web identity token (libs/auth/web-identity-trust). */
const webIdentityTrust = z
  .object({
    discoveryUrl: text(2048).regex(
      /^.+\/\.well-known\/openid-configuration$/,
      'must end with /.well-known/openid-configuration',
    ),
    allowedAudiences: list(text(255), 20),
    subjects: list(text(512), 50),
    claimConditions: z
      .record(text(255), list(text(512), 20))
      .refine((conditions) => Object.keys(conditions).length <= 10, 'must hold at most 10 claims')
      .optional(),
    maxSessionDurationSeconds: z
      .number()
      .int()
      .min(MIN_SESSION_SECONDS, `must be at least ${MIN_SESSION_SECONDS}`)
      .max(MAX_SESSION_SECONDS, `must be at most ${MAX_SESSION_SECONDS}`)
      .optional(),
  })
  .strict();

export const createPrincipalInput = z.object({
  name: principalName,
  policyDocument,
  description: description.optional(),
  webIdentityTrust: webIdentityTrust.optional(),
  tags: tags.optional(),
});
export const updatePrincipalInput = z.object({
  name: principalName,
  policyDocument: policyDocument.optional(),
  description: description.optional(),
  /** null removes the trust: temporary credentials issued under it stop working. */
  webIdentityTrust: webIdentityTrust.nullable().optional(),
});
export const principalNameInput = z.object({ name: principalName });
export const listPrincipalsInput = z.object({
  maxResults: z.number().int().min(1).max(100).optional(),
  nextToken: z.string().min(1).max(2048).optional(),
});
export const accessKeyInput = z.object({
  name: principalName,
  accessKeyId: z
    .string()
    .min(16)
    .max(128)
    .regex(/^[A-Z0-9]+$/, 'must be an access key id'),
});

export type CreatePrincipalInput = z.output<typeof createPrincipalInput>;
export type UpdatePrincipalInput = z.output<typeof updatePrincipalInput>;
