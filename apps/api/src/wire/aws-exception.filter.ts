import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from '../../../../libs/logging/logger';
import {
  InternalServerException,
  type AuthenticationException,
  type WireError,
} from '../../../../libs/wire/errors';
import { toWireError } from './to-wire-error';

export function sendWireError(reply: FastifyReply, error: WireError): void {
  void reply
    .status(error.status)
    .header('x-amzn-errortype', error.type)
    .header('content-type', 'application/json')
    .send(JSON.stringify(error.body()));
}

/**
 * The one error funnel of every operation (Nest's handlers through AwsExceptionFilter, the data
 * plane directly): the AWS error shape, a log line for what was not expected, and a short one for
 * refused callers.
 */
export function funnelError(log: Logger, err: unknown): WireError {
  const wire = toWireError(err);
  if (wire instanceof InternalServerException && wire !== err) {
    log.error({ err }, 'unhandled error');
  } else if (wire.status === 403) {
    log.info({ type: wire.type, reason: (wire as AuthenticationException).message }, 'request refused');
  }
  return wire;
}

/** The error funnel, answered through Fastify. */
export function answerError(log: Logger, err: unknown, reply: FastifyReply): void {
  sendWireError(reply, funnelError(log, err));
}

@Catch()
export class AwsExceptionFilter implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  catch(err: unknown, host: ArgumentsHost): void {
    answerError(this.log, err, host.switchToHttp().getResponse<FastifyReply>());
  }
}
