import type { JwtVerifier } from '../../../../libs/auth/jwt.verifier';
import { assertUsableIssuer } from '../../../../libs/auth/trusted-issuer';
import type { OutboundPolicy } from '../../../../libs/net/outbound-fetch';
import { workloadIdentityArn, type Deployment } from '../../../../libs/wire/arn';
import { ResourceNotFoundException } from '../../../../libs/wire/errors';
import type {
  WorkloadIdentitiesRepository,
  WorkloadIdentityRecord,
} from '../../../../libs/workload-identities/workload-identities.repository';
import type { z } from 'zod';
import type { customJwtAuthorizer } from './jwt-authorizer.schemas';

const DISCOVERY_FIELD = 'authorizerConfiguration.customJWTAuthorizer.discoveryUrl';

/**
 * Mandate's control-plane extension that says which JWT issuer a workload identity trusts for
 * `GetWorkloadAccessTokenForJWT`, in the shape AgentCore uses for its Runtime and Gateway.
 */
export class JwtAuthorizersService {
  constructor(
    private readonly workloads: WorkloadIdentitiesRepository,
    private readonly verifier: JwtVerifier,
    private readonly deployment: Deployment,
    private readonly outbound: OutboundPolicy,
  ) {}

  /** Checks the issuer answers with a usable discovery document before trusting it. */
  async put(name: string, authorizer: z.output<typeof customJwtAuthorizer>) {
    if (!(await this.workloads.find(name))) throw notFound(name);
    await assertUsableIssuer(authorizer.discoveryUrl, DISCOVERY_FIELD, this.verifier, this.outbound);
    const updated = await this.workloads.setJwtAuthorizer(name, authorizer, new Date());
    if (!updated) throw notFound(name);
    return this.describe(updated);
  }

  async get(name: string) {
    const record = await this.workloads.find(name);
    if (!record) throw notFound(name);
    if (!record.jwtAuthorizer)
      throw new ResourceNotFoundException(`Workload identity ${name} has no authorizer`);
    return this.describe(record);
  }

  async delete(name: string): Promise<void> {
    const record = await this.workloads.find(name);
    if (!record?.jwtAuthorizer)
      throw new ResourceNotFoundException(`Workload identity ${name} has no authorizer`);
    await this.workloads.setJwtAuthorizer(name, null, new Date());
    this.verifier.forget(record.jwtAuthorizer.discoveryUrl);
  }

  private describe(record: WorkloadIdentityRecord) {
    return {
      name: record.name,
      workloadIdentityArn: workloadIdentityArn(this.deployment, record.name),
      authorizerConfiguration: { customJWTAuthorizer: record.jwtAuthorizer },
      lastUpdatedTime: record.updatedAt.getTime() / 1000,
    };
  }
}

const notFound = (name: string) => new ResourceNotFoundException(`Workload identity ${name} does not exist`);
