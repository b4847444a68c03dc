import { ValidationException } from '../wire/errors';
import { unstorablePath } from '../wire/text';
import { compilePolicy, PolicyDocumentError, type CompiledPolicy, type PolicyKind } from './iam-policy';
import { KNOWN_OPERATIONS } from './operations';

/**
 * Checks a policy document sent on the wire (an object, or its JSON text): the compiled policy and
 * the document as stored (an object). A bad one is a ValidationException on `field` naming the
 * statement and the problem.
 */
export function checkedPolicy(
  document: unknown,
  field: string,
  kind: PolicyKind = { kind: 'identity' },
): { document: Record<string, unknown>; compiled: CompiledPolicy } {
  try {
    const compiled = compilePolicy(document, KNOWN_OPERATIONS, kind);
    const parsed = typeof document === 'string' ? (JSON.parse(document) as unknown) : document;
    // A document given as JSON text escapes what the body parser never saw (`\u0000`), which the
    // database cannot store.
    const bad = unstorablePath(parsed);
    if (bad !== undefined)
      throw ValidationException.field(
        field,
        `${bad} must be well-formed Unicode text without NUL characters`,
      );
    return { document: parsed as Record<string, unknown>, compiled };
  } catch (err) {
    if (err instanceof PolicyDocumentError) throw ValidationException.field(field, err.message);
    throw err;
  }
}
