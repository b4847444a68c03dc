import { AccessDeniedException } from '../wire/errors';
import { principalArn, type Deployment } from '../wire/arn';
import { ACTION_PREFIX, evaluate, type CompiledPolicy, type PolicyContext } from './iam-policy';
import type { ResourcePoliciesRepository } from './resource-policies.repository';
import type { Principal } from './sigv4.verifier';

const SELF_MANAGED = new Set(['PutResourcePolicy', 'GetResourcePolicy', 'DeleteResourcePolicy']);

/**
 * The one place that decides whether a principal may call an operation on the resources it
 * touches: its IAM policy and the resource policies of those resources, evaluated as IAM does
 * within one account (default deny, explicit deny wins, every resource needs an allow from either).
 * The refusal names the action, the resource, and the statement that denied.
 *
 * @example
 * await access.authorize(principal, 'GetWorkloadIdentity', [workloadArn]); // throws AccessDeniedException when not allowed
 */
export class AccessPolicy {
  constructor(
    private readonly deployment: Deployment,
    private readonly resourcePolicies?: Pick<ResourcePoliciesRepository, 'compiled'>,
  ) {}

  async authorize(
    principal: Principal,
    operation: string,
    resources: readonly string[],
    context: PolicyContext = {},
  ): Promise<void> {
    const attached = new Map<string, CompiledPolicy | undefined>();
    // A resource policy does not decide who manages it: like an account's root user with a bucket
    // policy in AWS, the operators allowed by their own policies can always read and replace it.
    if (this.resourcePolicies && !SELF_MANAGED.has(operation)) {
      const policies = this.resourcePolicies;
      await Promise.all(
        resources
          .filter((arn) => arn !== '*')
          .map(async (arn) => attached.set(arn, await policies.compiled(arn))),
      );
    }
    decide(principal, principalArn(this.deployment, principal.name), operation, resources, context, (arn) =>
      attached.get(arn),
    );
  }
}

/** The decision itself, on policies already at hand; throws AccessDeniedException unless allowed. */
function decide(
  principal: Principal,
  arn: string,
  operation: string,
  resources: readonly string[],
  context: PolicyContext,
  resourcePolicy: (resource: string) => CompiledPolicy | undefined = () => undefined,
): void {
  const action = `${ACTION_PREFIX}${operation}`;
  const tags = Object.fromEntries(
    Object.entries(principal.tags).map(([key, value]) => [`aws:PrincipalTag/${key}`, value]),
  );
  const decision = evaluate(
    [principal.policy],
    { principal: arn, action, resources, context: { ...tags, ...context } },
    resourcePolicy,
  );
  if (decision.decision === 'Allow') return;
  const why =
    decision.decision === 'Deny' ? `an explicit deny in ${decision.statement}` : 'no policy allows it';
  throw new AccessDeniedException(
    `Principal ${principal.name} is not authorized to perform ${action} on resource ${decision.resource}: ${why}`,
  );
}
