import { z } from 'zod';

/** Field rules from the AgentCore control-plane model (WorkloadIdentityNameType and friends). */
export const workloadIdentityName = z
  .string({ error: 'is required and must be a string' })
  .min(3, 'must be at least 3 characters')
  .max(255, 'must be at most 255 characters')
  .regex(/^[A-Za-z0-9_.-]+$/, 'must match [A-Za-z0-9_.-]+');

const returnUrl = z
  .string()
  .min(1, 'must not be empty')
  .max(2048, 'must be at most 2048 characters')
  .regex(/^\w+:(\/?\/?)[^\s]+$/, 'must be a URL without spaces')
  .refine((value) => URL.canParse(value), 'must be a valid URL');

/** Mandate's own bound: the model sets none, and each URL is compared on every consent. */
export const MAX_RETURN_URLS = 100;

const returnUrls = z
  .array(returnUrl)
  .max(MAX_RETURN_URLS, `must hold at most ${MAX_RETURN_URLS} URLs`)
  .transform((urls) => [...new Set(urls)]);

const tagPattern = /^[a-zA-Z0-9\s._:/=+@-]*$/;
export const tags = z
  .record(
    z.string(),
    z
      .string()
      .max(256, 'tag values must be at most 256 characters')
      .regex(tagPattern, 'tag values must match [a-zA-Z0-9\\s._:/=+@-]*'),
  )
  .superRefine((map, ctx) => {
    const keys = Object.keys(map);
    if (keys.length > 50) ctx.addIssue({ code: 'custom', message: 'must hold at most 50 tags' });
    for (const key of keys) {
      const problem =
        key.length < 1 || key.length > 128
          ? 'tag keys must be 1 to 128 characters'
          : tagPattern.test(key)
            ? undefined
            : 'tag keys must match [a-zA-Z0-9\\s._:/=+@-]*';
      if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
    }
  });

export const createWorkloadIdentityInput = z.object({
  name: workloadIdentityName,
  allowedResourceOauth2ReturnUrls: returnUrls.optional(),
  tags: tags.optional(),
});

export const workloadIdentityNameInput = z.object({ name: workloadIdentityName });

export const updateWorkloadIdentityInput = z.object({
  name: workloadIdentityName,
  allowedResourceOauth2ReturnUrls: returnUrls.optional(),
});

export const listWorkloadIdentitiesInput = z.object({
  nextToken: z.string().min(1, 'must not be empty').max(2048, 'must be at most 2048 characters').optional(),
  maxResults: z
    .number()
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(20, 'must be at most 20')
    .optional(),
});

export type CreateWorkloadIdentityInput = z.output<typeof createWorkloadIdentityInput>;
export type UpdateWorkloadIdentityInput = z.output<typeof updateWorkloadIdentityInput>;
export type ListWorkloadIdentitiesInput = z.output<typeof listWorkloadIdentitiesInput>;
