import { z } from 'zod';

/** CredentialProviderName in the AgentCore model. */
export const credentialProviderName = z
  .string({ error: 'is required and must be a string' })
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[a-zA-Z0-9\-_]+$/, 'must match [a-zA-Z0-9-_]+');

export const secretReference = z.object({
  secretId: z.string().min(1, 'must not be empty').max(2048, 'must be at most 2048 characters'),
  jsonKey: z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters'),
});

export const secretSource = z.enum(['MANAGED', 'EXTERNAL']);

export const providerNameInput = z.object({ name: credentialProviderName });

export const listInput = (maxResults: number) =>
  z.object({
    nextToken: z.string().min(1).max(2048).optional(),
    maxResults: z
      .number()
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(maxResults, `must be at most ${maxResults}`)
      .optional(),
  });
