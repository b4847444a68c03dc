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
  /**
   * Requests already allowed, per compiled identity policy: an agent asks the same question on
   * every tool call. Kept only for resources without a resource policy (those are looked up on every
   * call, so one attached later decides at once); a changed principal compiles a new policy, which
   * starts with none.
   */
  private readonly allowed = new WeakMap<CompiledPolicy, Set<string>>();

  constructor(
    private readonly deployment: Deployment,
    private readonly resourcePolicies?: Pick<ResourcePoliciesRepository, 'compiled' | 'compiledIfCached'>,
  ) {}

  async authorize(
    principal: Principal,
    operation: string,
    resources: readonly string[],
    context: PolicyContext = {},
  ): Promise<void> {
    // A resource policy does not decide who manages it: like an account's root user with a bucket
    // policy in AWS, the operators allowed by their own policies can always read and replace it.
    const attached =
      this.resourcePolicies && !SELF_MANAGED.has(operation)
        ? (this.attachedIfCached(resources) ?? (await this.attachedOf(resources)))
        : NONE_ATTACHED;
    let anyAttached = false;
    for (const policy of attached.values()) if (policy) anyAttached = true;
    // Every part of the request, unambiguously: a name holding a separator cannot pass for two.
    const key = anyAttached
      ? undefined
      : JSON.stringify([principal.name, principal.tags, operation, resources, context]);
    const known = key === undefined ? undefined : this.allowed.get(principal.policy);
    if (key !== undefined && known?.has(key)) return;
    decide(principal, principalArn(this.deployment, principal.name), operation, resources, context, (arn) =>
      attached.get(arn),
    );
    if (key === undefined) return;
    if (!known) this.allowed.set(principal.policy, new Set([key]));
    else {
      if (known.size >= 10_000) known.clear();
      known.add(key);
    }
  }

  /** The resource policies of the resources, when every one is cached already (no promise). */
  private attachedIfCached(
    resources: readonly string[],
  ): Map<string, CompiledPolicy | undefined> | undefined {
    const attached = new Map<string, CompiledPolicy | undefined>();
    for (const arn of resources) {
      if (arn === '*') continue;
      const cached = this.resourcePolicies!.compiledIfCached(arn);
      if (!cached) return undefined;
      attached.set(arn, cached.policy);
    }
    return attached;
  }

  private async attachedOf(resources: readonly string[]): Promise<Map<string, CompiledPolicy | undefined>> {
    const policies = this.resourcePolicies!;
    const attached = new Map<string, CompiledPolicy | undefined>();
    await Promise.all(
      resources
        .filter((arn) => arn !== '*')
        .map(async (arn) => attached.set(arn, await policies.compiled(arn))),
    );
    return attached;
  }
}

const NONE_ATTACHED: ReadonlyMap<string, CompiledPolicy | undefined> = new Map();

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
