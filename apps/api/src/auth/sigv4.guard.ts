import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { authorize } from '../../../../libs/auth/policy';
import type { Principal, SigV4Verifier } from '../../../../libs/auth/sigv4.verifier';
import { InternalServerException } from '../../../../libs/wire/errors';
import { OPERATION, PUBLIC, type OperationMetadata } from '../wire/operation.decorator';

export const SIGV4_VERIFIER = Symbol('SigV4Verifier');

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/**
 * Every request passes here before any handler: operations need a valid signature from a known
 * principal whose policy allows them; handlers marked public skip the check. A handler marked as
 * neither is refused, so a forgotten decorator fails closed.
 */
@Injectable()
export class SigV4Guard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(SIGV4_VERIFIER) private readonly verifier: SigV4Verifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const operation = this.reflector.getAllAndOverride<OperationMetadata | undefined>(OPERATION, targets);
    if (!operation) throw new InternalServerException('Handler has no access rule');

    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const [path = '/', query = ''] = request.url.split('?', 2);
    const principal = await this.verifier.verify({
      method: request.method,
      path,
      query,
      headers: request.headers,
      body: request.rawBody,
    });
    const workload = operation.workload?.({
      body: request.body,
      params: request.params as Record<string, string | undefined>,
    });
    authorize(principal, operation.name, typeof workload === 'string' ? workload : undefined);
    request.principal = principal;
    return true;
  }
}
