import type { AccessPolicy } from '../../../../libs/auth/policy';
import type { PrincipalsRepository } from '../../../../libs/auth/principals.repository';
import type { Principal, SigV4Verifier } from '../../../../libs/auth/sigv4.verifier';
import type { WorkloadAccessToken, WorkloadAccessTokens } from '../../../../libs/auth/workload-access-token';
import type { Config } from '../../../../libs/config/config';
import { ValidationException } from '../../../../libs/wire/errors';
import {
  credentialProviderArn,
  principalArn,
  tokenVaultArn,
  workloadIdentityArn,
} from '../../../../libs/wire/arn';
import type { OperationCall } from '../wire/operation-call';
import { bodyField, type OperationMetadata, type ResourceRef } from '../wire/operation.decorator';
import { nameRequestSpan } from '../../../../libs/tracing/request-span';

declare module 'fastify' {
  /** A Fastify request is an OperationCall (wire/operation-call.ts) once these are declared. */
  interface FastifyRequest {
    principal?: Principal;
    wat?: WorkloadAccessToken;
    operation?: string;
    workloadName?: string;
  }
}

/**
 * The one access check of every operation, on Nest's control plane (SigV4Guard) and on the lean data
 * plane alike: a valid signature from a known principal whose policy allows the operation on every
 * resource it touches (the resources named in the request, and the workload of its workload access
 * token).
 */
export class OperationAccess {
  constructor(
    private readonly verifier: SigV4Verifier,
    private readonly wats: WorkloadAccessTokens,
    private readonly config: Config,
    private readonly principals: PrincipalsRepository,
    private readonly access: AccessPolicy,
  ) {}

  async check(operation: OperationMetadata, request: OperationCall): Promise<void> {
    request.operation = operation.name;
    nameRequestSpan(operation.name);
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
    // Known from here on, so a refused call is recorded under the principal that made it.
    request.principal = principal;
    // Temporary credentials have no stored key whose last use could be noted.
    if (!principal.session) this.principals.noteUse(principal.accessKeyId);
    const parts = { body: request.body, params: request.params as Record<string, string | undefined> };
    const refs = operation.resources?.(parts) ?? [];
    if (operation.watField) {
      const token = bodyField(operation.watField)(parts);
      if (typeof token !== 'string' || token.length === 0) {
        throw ValidationException.field(operation.watField, 'is required and must be a string');
      }
      request.wat = await this.wats.verify(token);
      refs.unshift({ kind: 'workload', name: request.wat.workloadName });
    }
    const workload = refs.find((ref) => ref.kind === 'workload');
    if (workload && 'name' in workload && typeof workload.name === 'string')
      request.workloadName = workload.name;
    const resources = refs.length > 0 ? refs.map((ref) => this.arnOf(ref)) : ['*'];
    if (!operation.authorizedByHandler)
      await this.access.authorize(
        principal,
        operation.name,
        resources,
        operation.context?.(parts, request.wat) ?? {},
      );
  }

  /** A resource's ARN; a name that is not a string (the handler refuses it) gives an empty name. */
  private arnOf(ref: ResourceRef): string {
    const deployment = this.config.deployment;
    const name = 'name' in ref ? (typeof ref.name === 'string' ? ref.name : '') : '';
    switch (ref.kind) {
      case 'workload':
        return workloadIdentityArn(deployment, name);
      case 'oauth2':
      case 'apikey':
        return credentialProviderArn(deployment, ref.kind, name);
      case 'principal':
        return principalArn(deployment, name);
      case 'tokenVault':
        return tokenVaultArn(deployment);
      case 'arn':
        return typeof ref.arn === 'string' ? ref.arn : '';
    }
  }
}
