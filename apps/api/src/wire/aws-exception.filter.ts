import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from '../../../../libs/logging/logger';
import { JwtRejectedError } from '../../../../libs/auth/jwt-authorizer';
import { WatRejectedError } from '../../../../libs/auth/workload-access-token';
import { VaultKeyUnavailableError } from '../../../../libs/vault/kms-key-encryption-key';
import {
  AccessDeniedException,
  InternalServerException,
  UnauthorizedException,
  ValidationException,
  WireError,
  type AuthenticationException,
} from '../../../../libs/wire/errors';

/** An error in the AWS shape under any exception name: framework errors, vault failures. */
class NamedError extends WireError {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The one funnel from any thrown value to an AWS restJson1 error: HTTP status, `x-amzn-ErrorType`,
 * and a JSON body with `message` (plus `reason` and `fieldList` for validation). Anything unknown
 * becomes an `InternalServerException` whose message says nothing about the cause; the cause is
 * logged instead.
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
  // The vault fails closed when its key cannot be used; AgentCore names these two failures.
  if (err instanceof VaultKeyUnavailableError) {
    return new NamedError(
      400,
      err.operation === 'wrap' ? 'EncryptionFailure' : 'DecryptionFailure',
      err.message,
    );
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    if (status === 404) return new NamedError(404, 'UnknownOperationException', 'Unknown operation');
    if (status === 413) return new ValidationException('Request body is too large', [], 'CannotParse');
    if (status === 415)
      return new ValidationException('Content-Type must be application/json', [], 'CannotParse');
    if (status < 500) return new ValidationException(err.message, [], 'CannotParse');
  }
  const fastifyCode = (err as { code?: unknown; statusCode?: unknown }).code;
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

export function sendWireError(reply: FastifyReply, error: WireError): void {
  void reply
    .status(error.status)
    .header('x-amzn-errortype', error.type)
    .header('content-type', 'application/json')
    .send(JSON.stringify(error.body()));
}

@Catch()
export class AwsExceptionFilter implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const wire = toWireError(err);
    if (wire instanceof InternalServerException && wire !== err) {
      this.log.error({ err }, 'unhandled error');
    } else if (wire.status === 403) {
      this.log.info(
        { type: wire.type, reason: (wire as AuthenticationException).message },
        'request refused',
      );
    }
    sendWireError(reply, wire);
  }
}
