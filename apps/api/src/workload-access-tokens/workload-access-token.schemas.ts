import { z } from 'zod';
import { workloadIdentityName } from '../workload-identities/workload-identity.schemas';

export const workloadNameInput = z.object({ workloadName: workloadIdentityName });

export const forJwtInput = z.object({
  workloadName: workloadIdentityName,
  userToken: z
    .string({ error: 'is required and must be a string' })
    .min(1, 'must not be empty')
    .max(131_072, 'must be at most 131072 characters')
    .regex(/^[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]*$/, 'must be a JWT in compact form'),
});

export const forUserIdInput = z.object({
  workloadName: workloadIdentityName,
  userId: z
    .string({ error: 'is required and must be a string' })
    .min(1, 'must not be empty')
    .max(128, 'must be at most 128 characters'),
});
