import { SetMetadata } from '@nestjs/common';

export const OPERATION = Symbol('operation');
export const PUBLIC = Symbol('public');

/** What the access check sees of a request before the handler parses it. */
export interface RequestParts {
  body: unknown;
  params: Record<string, string | undefined>;
}

export interface OperationMetadata {
  name: string;
  /** Names the workload identity the call acts on, for the policy check. */
  workload?: (request: RequestParts) => unknown;
  /**
   * The body field holding a workload access token: the guard verifies it, checks the policy against
   * the token's workload, and hands the verified token to the handler (`request.wat`).
   */
  watField?: string;
}

/**
 * Marks a handler as an AgentCore operation: callers must be authenticated, and their policy must
 * allow the operation (and the workload that `workload` names).
 *
 * @example
 * @Operation('GetWorkloadIdentity', { workload: bodyField('name') })
 */
export const Operation = (name: string, options: Omit<OperationMetadata, 'name'> = {}) =>
  SetMetadata(OPERATION, { name, ...options } satisfies OperationMetadata);

/** The workload named by a body field. */
export const bodyField =
  (field: string) =>
  ({ body }: RequestParts): unknown =>
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;

/** Marks a handler that needs no caller authentication (health, the OAuth callback). */
export const Public = () => SetMetadata(PUBLIC, true);
