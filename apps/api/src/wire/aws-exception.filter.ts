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
