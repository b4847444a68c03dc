import { z } from 'zod';
import { storable } from '../../../../libs/wire/text';
import { tags } from '../workload-identities/workload-identity.schemas';

export const resourceArn = z
  .string()
  .min(20, 'must be at least 20 characters')
  .max(1011, 'must be at most 1011 characters')
  .refine(storable, 'must be well-formed Unicode text without NUL characters');

export const tagResourceInput = z.object({ resourceArn, tags });

export const untagResourceInput = z.object({
  resourceArn,
  tagKeys: z
    .array(
      z.string().min(1, 'tag keys must not be empty').max(128, 'tag keys must be at most 128 characters'),
    )
    .max(200, 'must hold at most 200 keys'),
});

/** Tag keys arrive as a repeated query parameter: one value is a string, several an array. */
export const queryList = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
