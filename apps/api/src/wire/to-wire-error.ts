import { HttpException } from '@nestjs/common';
import { JwtRejectedError } from '../../../../libs/auth/jwt-authorizer';
import { WatRejectedError } from '../../../../libs/auth/workload-access-token';
import { OAuthError } from '../../../../libs/oauth/oauth-client';
import { SecretError } from '../../../../libs/secrets/secret-store';
import { VaultDecryptionError } from '../../../../libs/vault/envelope';
import { VaultKeyUnavailableError } from '../../../../libs/vault/kms-key-encryption-key';
import {
  AccessDeniedException,
  InternalServerException,
  ResourceNotFoundException,
  UnauthorizedException,
  ValidationException,
  WireError,
} from '../../../../libs/wire/errors';

/** An error in the AWS shape under an exception name the AgentCore models define outside our classes. */
class NamedError extends WireError {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const UNAVAILABLE = 'Secrets Manager could not be reached; try again';

/**
 * A secret that cannot serve. Named by a request field (create, update), the caller fixes that
 * field; met at use, the credential provider is misconfigured (its secret was deleted or changed).
 */
function secretToWire(err: SecretError): WireError {
  if (err.code === 'unavailable') return new InternalServerException(UNAVAILABLE);
  const use = err.use;
  if (use && 'field' in use) {
    const jsonKey = err.code === 'not_json' || err.code === 'key_missing';
    return jsonKey
      ? ValidationException.field(`${use.field}.jsonKey`, `the secret ${err.message}`)
      : ValidationException.field(`${use.field}.secretId`, err.message);
  }
  const whose = use ? `The secret of credential provider ${use.provider}` : 'A credential provider secret';
  if (err.code === 'not_found') return new ResourceNotFoundException(`${whose} does not exist`);
  return new InternalServerException(`${whose} cannot be used: it ${err.message}`);
}

/**
 * The one funnel from any thrown value to an AWS restJson1 error: HTTP status, `x-amzn-ErrorType`,
 * and a JSON body with `message` (plus `reason` and `fieldList` for validation). Every error family
 * of Mandate's (each a `CodedError`) is mapped here on purpose, by its `code`; anything unknown is a
 * bug and becomes an `InternalServerException` whose message says nothing about the cause (the
 * exception filter logs the cause instead).
 */
export function toWireError(err: unknown): WireError {
  if (err instanceof WireError) return err;
  if (err instanceof JwtRejectedError) {
    // An unreachable issuer is our dependency failing, not the caller's token: a retryable 500.
    return err.code === 'issuer_unavailable'
      ? new InternalServerException(err.message)
      : new UnauthorizedException(err.message);
  }
  if (err instanceof WatRejectedError) return new AccessDeniedException(err.message);
  if (err instanceof SecretError) return secretToWire(err);
  if (err instanceof OAuthError) return new InternalServerException(err.message);
  // The vault fails closed when its key cannot be used; AgentCore names these two failures.
  if (err instanceof VaultKeyUnavailableError) {
    return new NamedError(
      400,
      err.code === 'wrap_failed' ? 'EncryptionFailure' : 'DecryptionFailure',
      err.message,
    );
  }
  // A stored value that does not open (a key no longer held, tampered bytes): nothing is served,
  // and the message names no record.
  if (err instanceof VaultDecryptionError) {
    return new NamedError(400, 'DecryptionFailure', 'A value in the token vault could not be decrypted');
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    if (status === 404) return new NamedError(404, 'UnknownOperationException', 'Unknown operation');
    if (status === 413) return new ValidationException('Request body is too large', [], 'CannotParse');
    if (status === 415)
      return new ValidationException('Content-Type must be application/json', [], 'CannotParse');
    if (status < 500) return new ValidationException(err.message, [], 'CannotParse');
  }
  const fastifyCode = (err as { code?: unknown } | null)?.code;
  if (fastifyCode === 'FST_ERR_BAD_URL')
    return new ValidationException('The request path is not a valid URL path', [], 'CannotParse');
  if (fastifyCode === 'FST_ERR_MAX_PARAM_LENGTH')
    return new ValidationException('A path parameter is too long', [], 'CannotParse');
  if (typeof fastifyCode === 'string' && fastifyCode.startsWith('FST_ERR_CTP')) {
    const tooLarge = fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE';
    return new ValidationException(
      tooLarge ? 'Request body is too large' : 'Content-Type must be application/json with a JSON body',
      [],
      'CannotParse',
    );
  }
  return new InternalServerException('The service encountered an internal error. Try again later.');
}
