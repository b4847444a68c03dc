import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../../../libs/logging/logger';
import { LOGGER } from '../tokens';
import { Public } from '../wire/operation.decorator';
import { STS_ERRORS, StsError } from './sts-error';
import { errorXml, resultXml } from './sts-xml';
import { WebIdentityService, type QueryParams } from './web-identity.service';

const ACTION = 'AssumeRoleWithWebIdentity';

/**
 * STS at Mandate's base URL (`AWS_ENDPOINT_URL_STS`), AWS Query protocol: form-encoded requests,
 * XML answers and errors. Only AssumeRoleWithWebIdentity, which AWS serves unsigned too: the web
 * identity token is the caller's proof.
 */
@Controller()
export class StsController {
  constructor(
    @Inject(WebIdentityService) private readonly webIdentity: WebIdentityService,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  @Post()
  @Public()
  async query(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const params = (
      typeof request.body === 'object' && request.body !== null ? request.body : {}
    ) as QueryParams;
    void reply.header('content-type', 'text/xml');
    try {
      if (params.Action !== ACTION)
        throw new StsError(
          'InvalidAction',
          `Could not find operation ${String(params.Action ?? '')} for version 2011-06-15`,
        );
      request.operation = ACTION;
      const assumed = await this.webIdentity.assume(params);
      // The audit event names the principal and the web identity it was assumed with.
      request.principal = assumed.principal;
      await reply.status(200).send(resultXml(ACTION, assumed.result, request.id));
    } catch (err) {
      const error =
        err instanceof StsError
          ? { code: err.code, message: err.message, fault: 'Sender' as const }
          : {
              code: 'InternalFailure',
              message: 'The service encountered an internal error.',
              fault: 'Receiver' as const,
            };
      if (!(err instanceof StsError)) this.log.error({ err }, 'AssumeRoleWithWebIdentity failed');
      const status = err instanceof StsError ? STS_ERRORS[err.code] : 500;
      await reply.status(status).header('x-amzn-errortype', error.code).send(errorXml(error, request.id));
    }
  }
}
