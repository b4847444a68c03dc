import { z } from 'zod';
import { isResourceId } from '../../../../libs/wire/resource-id';

export const engineName = z
  .string({ error: 'is required and must be a string' })
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,47}$/, 'must be 1-48 letters, digits or _, starting with a letter');
export const resourceId = z
  .string({ error: 'is required and must be a string' })
  .refine(isResourceId, 'is not an id this service issued');
const description = z.string().max(4096);
/** AgentCore's `UpdatedDescription`: a new value, or none to clear it. */
const updatedDescription = z.object({ optionalValue: description.optional() });
const tags = z.record(z.string().min(1).max(128), z.string().max(256));
const clientToken = z.string().min(1).max(256);
const page = {
  maxResults: z.coerce.number().int().min(1).max(100).optional(),
  nextToken: z.string().min(1).max(2048).optional(),
};

export const createEngineInput = z.object({
  name: engineName,
  description: description.optional(),
  clientToken: clientToken.optional(),
  encryptionKeyArn: z.string().min(1).max(2048).optional(),
  tags: tags.optional(),
});
export const engineIdInput = z.object({ policyEngineId: resourceId });
export const updateEngineInput = engineIdInput.extend({ description: updatedDescription.optional() });
export const listEnginesInput = z.object(page);

const definition = z.object(
  {
    cedar: z.object(
      { statement: z.string().min(1).max(153_600) },
      { error: 'must hold the Cedar statement' },
    ),
  },
  { error: 'must be { cedar: { statement } }: Mandate evaluates Cedar policies only' },
);
const validationMode = z.enum(['FAIL_ON_ANY_FINDINGS', 'IGNORE_ALL_FINDINGS']);
const enforcementMode = z.enum(['ACTIVE', 'LOG_ONLY']);

export const createPolicyInput = z.object({
  policyEngineId: resourceId,
  name: engineName,
  definition,
  description: description.optional(),
  validationMode: validationMode.optional(),
  enforcementMode: enforcementMode.optional(),
  clientToken: clientToken.optional(),
});
export const policyIdInput = engineIdInput.extend({ policyId: resourceId });
export const updatePolicyInput = policyIdInput.extend({
  description: updatedDescription.optional(),
  definition: definition.optional(),
  validationMode: validationMode.optional(),
  enforcementMode: enforcementMode.optional(),
});
export const listPoliciesInput = engineIdInput.extend({
  ...page,
  targetResourceScope: z.string().min(1).max(2048).optional(),
});

/** A Mandate extension: what a policy engine decides, all releases (the token vault) or those of named workload identities. */
export const attachEngineInput = engineIdInput.extend({
  tokenVault: z.boolean().optional(),
  workloadIdentityNames: z.array(z.string().min(1).max(255)).max(100).optional(),
});
