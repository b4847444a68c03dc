import { SetMetadata } from '@nestjs/common';

export const OPERATION = Symbol('operation');
export const PUBLIC = Symbol('public');

export interface OperationMetadata {
  name: string;
  /** The body field that names the workload identity the call acts on, for the policy check. */
  workloadField?: string;
}

/**
 * Marks a handler as an AgentCore operation: callers must be authenticated, and their policy must
 * allow the operation (and the workload named by `workloadField`).
 */
export const Operation = (name: string, options: Omit<OperationMetadata, 'name'> = {}) =>
  SetMetadata(OPERATION, { name, ...options } satisfies OperationMetadata);

/** Marks a handler that needs no caller authentication (health, the OAuth callback). */
export const Public = () => SetMetadata(PUBLIC, true);
