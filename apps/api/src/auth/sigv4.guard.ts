import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { authorize } from '../../../../libs/auth/policy';
import type { Principal, SigV4Verifier } from '../../../../libs/auth/sigv4.verifier';
import { WorkloadAccessTokens, type WorkloadAccessToken } from '../../../../libs/auth/workload-access-token';
import { InternalServerException, ValidationException } from '../../../../libs/wire/errors';
import { bodyField, OPERATION, PUBLIC, type OperationMetadata } from '../wire/operation.decorator';

export const SIGV4_VERIFIER = Symbol('SigV4Verifier');

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** The verified workload access token of operations that take one. */
    wat?: WorkloadAccessToken;
    /** The operation the request asked for, known before authentication (for the audit log). */
    operation?: string;
    /** The workload identity the request acts on, where known (for the audit log). */
    workloadName?: string;
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
    @Inject(WorkloadAccessTokens) private readonly wats: WorkloadAccessTokens,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const operation = this.reflector.getAllAndOverride<OperationMetadata | undefined>(OPERATION, targets);
    if (!operation) throw new InternalServerException('Handler has no access rule');

    const request = context.switchToHttp().getRequest<FastifyRequest>();
    request.operation = operation.name;
    // Everything after the first `?` is the query, as Fastify parses it: a second `?` must not hide
    // parameters from the signature check that the handler then reads.
    const mark = request.url.indexOf('?');
    const path = mark < 0 ? request.url : request.url.slice(0, mark);
    const query = mark < 0 ? '' : request.url.slice(mark + 1);
    const principal = await this.verifier.verify({
      method: request.method,
      path,
      query,
      headers: request.headers,
      body: request.rawBody,
    });
    const parts = { body: request.body, params: request.params as Record<string, string | undefined> };
    if (operation.watField) {
      const token = bodyField(operation.watField)(parts);
      if (typeof token !== 'string' || token.length === 0) {
        throw ValidationException.field(operation.watField, 'is required and must be a string');
      }
      request.wat = await this.wats.verify(token);
      request.workloadName = request.wat.workloadName;
      authorize(principal, operation.name, request.wat.workloadName);
    } else {
      const workload = operation.workload?.(parts);
      if (typeof workload === 'string') request.workloadName = workload;
      authorize(principal, operation.name, typeof workload === 'string' ? workload : undefined);
    }
    request.principal = principal;
    return true;
  }
}
