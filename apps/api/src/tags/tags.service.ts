import { parseWorkloadIdentityArn, type Deployment } from '../../../../libs/wire/arn';
import { ResourceNotFoundException, ValidationException } from '../../../../libs/wire/errors';
import type { WorkloadIdentitiesRepository } from '../../../../libs/workload-identities/workload-identities.repository';

const MAX_TAGS = 50;

/**
 * Tags of taggable resources, found by ARN. Workload identities only for now; credential providers
 * join when they exist.
 */
export class TagsService {
  constructor(
    private readonly workloads: WorkloadIdentitiesRepository,
    private readonly deployment: Deployment,
  ) {}

  async list(arn: string) {
    return { tags: (await this.current(arn)).tags };
  }

  async tag(arn: string, tags: Record<string, string>): Promise<void> {
    const { name, tags: existing } = await this.current(arn);
    const merged = { ...existing, ...tags };
    if (Object.keys(merged).length > MAX_TAGS) {
      throw ValidationException.field('tags', `a resource holds at most ${MAX_TAGS} tags`);
    }
    await this.save(arn, name, merged);
  }

  async untag(arn: string, keys: string[]): Promise<void> {
    const { name, tags } = await this.current(arn);
    await this.save(
      arn,
      name,
      Object.fromEntries(Object.entries(tags).filter(([key]) => !keys.includes(key))),
    );
  }

  private async current(arn: string) {
    const name = parseWorkloadIdentityArn(this.deployment, arn);
    const record = name === undefined ? undefined : await this.workloads.find(name);
    if (!record) throw new ResourceNotFoundException(`Resource ${arn} does not exist`);
    return record;
  }

  private async save(arn: string, name: string, tags: Record<string, string>) {
    if (!(await this.workloads.setTags(name, tags))) {
      throw new ResourceNotFoundException(`Resource ${arn} does not exist`);
    }
  }
}
