import { AccessDeniedException } from '../wire/errors';
import type { Principal } from './sigv4.verifier';

const allows = (list: readonly string[], value: string) => list.includes('*') || list.includes(value);

/**
 * The one place that decides whether a principal may call an operation, and on which workload.
 *
 * @example
 * authorize(principal, 'GetWorkloadIdentity', 'agent-1'); // throws AccessDeniedException when not allowed
 */
export function authorize(principal: Principal, operation: string, workloadName?: string): void {
  if (!allows(principal.policy.operations, operation)) {
    throw new AccessDeniedException(`Principal ${principal.name} is not allowed to call ${operation}`);
  }
  if (workloadName !== undefined && !allows(principal.policy.workloads, workloadName)) {
    throw new AccessDeniedException(
      `Principal ${principal.name} is not allowed to call ${operation} on workload identity ${workloadName}`,
    );
  }
}
