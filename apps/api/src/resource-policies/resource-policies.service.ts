import { checkedPolicy } from '../../../../libs/auth/checked-policy';
import type { PolicyKind } from '../../../../libs/auth/iam-policy';
import type { ResourcePoliciesRepository } from '../../../../libs/auth/resource-policies.repository';
import { ResourceNotFoundException } from '../../../../libs/wire/errors';

/** A kind of resource that may hold a resource policy: how its ARNs name it, and whether it exists. */
export interface PolicyHolder {
  parse(arn: string): string | undefined;
  exists(name: string): Promise<boolean>;
}

/**
 * Resource policies of workload identities and credential providers (AgentCore's
 * Put/Get/DeleteResourcePolicy): IAM policy documents with a `Principal` element, which allow (or
 * deny) Mandate principals the operations on that one resource.
 */
export class ResourcePoliciesService {
  constructor(
    private readonly repository: ResourcePoliciesRepository,
    private readonly holders: readonly PolicyHolder[],
    private readonly kind: PolicyKind,
  ) {}

  async put(resourceArn: string, policy: string): Promise<{ policy: string }> {
    await this.mustExist(resourceArn);
    const { document } = checkedPolicy(policy, 'policy', this.kind);
    await this.repository.put(resourceArn, document, new Date());
    return { policy: JSON.stringify(document) };
  }

  async get(resourceArn: string): Promise<{ policy: string }> {
    await this.mustExist(resourceArn);
    const record = await this.repository.find(resourceArn);
    if (!record) throw new ResourceNotFoundException(`Resource ${resourceArn} has no resource policy`);
    return { policy: JSON.stringify(record.policyDocument) };
  }

  async delete(resourceArn: string): Promise<void> {
    await this.mustExist(resourceArn);
    if (!(await this.repository.delete(resourceArn)))
      throw new ResourceNotFoundException(`Resource ${resourceArn} has no resource policy`);
  }

  private async mustExist(resourceArn: string): Promise<void> {
    for (const holder of this.holders) {
      const name = holder.parse(resourceArn);
      if (name !== undefined && (await holder.exists(name))) return;
    }
    throw new ResourceNotFoundException(`Resource ${resourceArn} does not exist`);
  }
}
