/**
 * Errors in the AWS restJson1 shape. Each class is one exception of the AgentCore models; the
 * exception filter turns any of them into the HTTP status, the `x-amzn-ErrorType` header and the JSON
 * body that the AWS SDK maps back to a typed exception.
 */

export type ValidationReason =
  | 'CannotParse'
  | 'FieldValidationFailed'
  | 'IdempotentParameterMismatchException'
  | 'EventInOtherSession'
  | 'ResourceConflict';

export interface ValidationField {
  /** The field's name as it appears on the wire, dotted for nested fields: `tags.owner`. */
  name: string;
  message: string;
}

export abstract class WireError extends Error {
  abstract readonly status: number;
  /** The exception name, which is also the `x-amzn-ErrorType` header. */
  abstract readonly type: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  body(): Record<string, unknown> {
    return { message: this.message };
  }
}

export class ValidationException extends WireError {
  readonly status = 400;
  readonly type = 'ValidationException';

  constructor(
    message: string,
    readonly fieldList: ValidationField[] = [],
    readonly reason: ValidationReason = 'FieldValidationFailed',
  ) {
    super(message);
  }

  /** A failure of one named field. */
  static field(name: string, message: string): ValidationException {
    return new ValidationException(`${name}: ${message}`, [{ name, message }]);
  }

  override body() {
    return { message: this.message, reason: this.reason, fieldList: this.fieldList };
  }
}

export class ResourceNotFoundException extends WireError {
  readonly status = 404;
  readonly type = 'ResourceNotFoundException';
}

export class ConflictException extends WireError {
  readonly status = 409;
  readonly type = 'ConflictException';
}

export class AccessDeniedException extends WireError {
  readonly status = 403;
  readonly type = 'AccessDeniedException';
}

export class UnauthorizedException extends WireError {
  readonly status = 401;
  readonly type = 'UnauthorizedException';
}

export class InternalServerException extends WireError {
  readonly status = 500;
  readonly type = 'InternalServerException';
}

/**
 * Request authentication failures, named as AWS names them so that the AWS SDK reacts as it does
 * against AWS (for example, it corrects its clock after `InvalidSignatureException: Signature
 * expired`). All answer 403.
 */
export type AuthenticationFailure =
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'InvalidSignatureException'
  | 'UnrecognizedClientException'
  | 'ExpiredTokenException';

export class AuthenticationException extends WireError {
  readonly status = 403;

  constructor(
    readonly type: AuthenticationFailure,
    message: string,
  ) {
    super(message);
  }
}
