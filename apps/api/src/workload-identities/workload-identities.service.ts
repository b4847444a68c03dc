import type { ResourcePoliciesRepository } from '../../../../libs/auth/resource-policies.repository';
import { workloadIdentityArn, type Deployment } from '../../../../libs/wire/arn';
import { ConflictException, ResourceNotFoundException } from '../../../../libs/wire/errors';
import { paginate } from '../../../../libs/wire/pagination';
import type {
  WorkloadIdentitiesRepository,
  WorkloadIdentityRecord,
} from '../../../../libs/workload-identities/workload-identities.repository';
import type {
  CreateWorkloadIdentityInput,
  ListWorkloadIdentitiesInput,
  UpdateWorkloadIdentityInput,
} from './workload-identity.schemas';

const DEFAULT_PAGE_SIZE = 10;

/** restJson1 timestamps default to epoch seconds, with fractions. */
const epochSeconds = (date: Date) => date.getTime() / 1000;

/** Workload identity directory operations, answering in the AgentCore shapes. */
export class WorkloadIdentitiesService {
  constructor(
    private readonly repository: WorkloadIdentitiesRepository,
    private readonly deployment: Deployment,
    /** A deleted identity's resource policy goes with it: a new one of the same name starts without. */
    private readonly resourcePolicies: Pick<ResourcePoliciesRepository, 'delete'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(input: CreateWorkloadIdentityInput) {
    const now = this.now();
    const record: WorkloadIdentityRecord = {
      name: input.name,
      allowedReturnUrls: input.allowedResourceOauth2ReturnUrls ?? [],
      tags: input.tags ?? {},
      createdAt: now,
      updatedAt: now,
    };
    if (!(await this.repository.insert(record))) {
      throw new ConflictException(`Workload identity ${input.name} already exists`);
    }
    return {
      name: record.name,
      workloadIdentityArn: workloadIdentityArn(this.deployment, record.name),
      allowedResourceOauth2ReturnUrls: record.allowedReturnUrls,
    };
  }

  async get(name: string) {
    return this.describe(await this.require(name));
  }

  async list(input: ListWorkloadIdentitiesInput) {
    const page = await paginate(input, DEFAULT_PAGE_SIZE, (limit, after) =>
      this.repository.page(limit, after),
    );
    return {
      workloadIdentities: page.items.map((r) => ({
        name: r.name,
        workloadIdentityArn: workloadIdentityArn(this.deployment, r.name),
      })),
      ...page.next,
    };
  }

  /** An omitted URL list leaves the stored one as it is; an empty list clears it. */
  async update(input: UpdateWorkloadIdentityInput) {
    const updated = await this.repository.update(input.name, {
      allowedReturnUrls: input.allowedResourceOauth2ReturnUrls,
      updatedAt: this.now(),
    });
    if (!updated) throw notFound(input.name);
    return this.describe(updated);
  }

  async delete(name: string): Promise<void> {
    if (!(await this.repository.delete(name))) throw notFound(name);
    await this.resourcePolicies.delete(workloadIdentityArn(this.deployment, name));
  }

  private async require(name: string): Promise<WorkloadIdentityRecord> {
    const record = await this.repository.find(name);
    if (!record) throw notFound(name);
    return record;
  }

  private describe(record: WorkloadIdentityRecord) {
    return {
      name: record.name,
      workloadIdentityArn: workloadIdentityArn(this.deployment, record.name),
      allowedResourceOauth2ReturnUrls: record.allowedReturnUrls,
      createdTime: epochSeconds(record.createdAt),
      lastUpdatedTime: epochSeconds(record.updatedAt),
    };
  }
}

const notFound = (name: string) => new ResourceNotFoundException(`Workload identity ${name} does not exist`);
