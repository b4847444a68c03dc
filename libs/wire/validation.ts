import { z } from 'zod';
import { ValidationException, type ValidationField } from './errors';

/**
 * Parses a request body with its zod schema; every problem becomes one entry of the
 * `ValidationException` field list, named by its wire path. The message never echoes the value,
 * since a rejected field may hold a secret.
 *
 * @example
 * const input = parseInput(createWorkloadIdentityInput, body);
 */
export function parseInput<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const fieldList: ValidationField[] = parsed.error.issues.map((issue) => ({
    name: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
  const summary = fieldList.map((f) => `${f.name}: ${f.message}`).join('; ');
  throw new ValidationException(`Invalid request: ${summary}`, fieldList);
}

/**
 * A member of the AgentCore models that Mandate does not honour: refused by name when it is set,
 * never silently dropped (unknown members are ignored, as AWS ignores them).
 *
 * @example
 * const config = z.object({ privateEndpoint: unsupported('private endpoints are not supported') });
 */
export const unsupported = (why: string) =>
  z
    .unknown()
    .refine((value) => value === undefined, why)
    .optional();
