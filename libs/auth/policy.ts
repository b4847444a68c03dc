import { AccessDeniedException } from '../wire/errors';
import { ACTION_PREFIX, evaluate, type PolicyContext } from './iam-policy';
import type { Principal } from './sigv4.verifier';

/**
 * The one place that decides whether a principal may call an operation on the resources it
 * touches: its IAM policy, evaluated as IAM does (default deny, explicit deny wins, every resource
 * needs an allow). The refusal names the action and the resource, and the statement that denied.
 *
 * @example
 * authorize(principal, 'GetWorkloadIdentity', [workloadArn]); // throws AccessDeniedException when not allowed
 */
export function authorize(
  principal: Principal,
  operation: string,
  resources: readonly string[],
  context: PolicyContext = {},
): void {
  const action = `${ACTION_PREFIX}${operation}`;
  const tags = Object.fromEntries(
    Object.entries(principal.tags).map(([key, value]) => [`aws:PrincipalTag/${key}`, value]),
  );
  const decision = evaluate([principal.policy], { action, resources, context: { ...tags, ...context } });
  if (decision.decision === 'Allow') return;
  const why =
    decision.decision === 'Deny' ? `an explicit deny in ${decision.statement}` : 'no policy allows it';
  throw new AccessDeniedException(
    `Principal ${principal.name} is not authorized to perform ${action} on resource ${decision.resource}: ${why}`,
  );
}
