/**
 * The base of every error family Mandate raises: a stable `code` (one string union per family) that
 * code switches on, a message that never holds a secret, and the `cause`. The API's one funnel
 * (`toWireError`) maps each family's codes to AWS errors on purpose; nothing else inspects messages.
 *
 * @example
 * type SecretProblem = 'not_found' | 'unavailable';
 * class SecretError extends CodedError<SecretProblem> {}
 * throw new SecretError('not_found', 'does not exist');
 */
export abstract class CodedError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
