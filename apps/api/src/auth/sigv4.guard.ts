import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { InternalServerException } from '../../../../libs/wire/errors';
import { OPERATION, PUBLIC, type OperationMetadata } from '../wire/operation.decorator';
import { OperationAccess } from './operation-access';

export const SIGV4_VERIFIER = Symbol('SigV4Verifier');

/**
 * Every request to a Nest handler passes here first: operations go through the one access check
 * (OperationAccess); handlers marked public skip it. A handler marked as neither is refused, so a
 * forgotten decorator fails closed.
 */
@Injectable()
export class SigV4Guard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(OperationAccess) private readonly access: OperationAccess,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const operation = this.reflector.getAllAndOverride<OperationMetadata | undefined>(OPERATION, targets);
    if (!operation) throw new InternalServerException('Handler has no access rule');
    await this.access.check(operation, context.switchToHttp().getRequest<FastifyRequest>());
    return true;
  }
}
