import { z } from 'zod';
import { tags } from '../workload-identities/workload-identity.schemas';

/** IAM's role name characters and length. */
export const principalName = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9+=,.@_-]+$/, 'must match [A-Za-z0-9+=,.@_-]+');

/** A policy document as a JSON object, or as its JSON text (as IAM takes it). */
const policyDocument = z.union([z.record(z.string(), z.unknown()), z.string().min(1).max(65_536)]);
const description = z.string().max(1000, 'must be at most 1000 characters');

export const createPrincipalInput = z.object({
  name: principalName,
  policyDocument,
  description: description.optional(),
  tags: tags.optional(),
});
export const updatePrincipalInput = z.object({
  name: principalName,
  policyDocument: policyDocument.optional(),
  description: description.optional(),
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
