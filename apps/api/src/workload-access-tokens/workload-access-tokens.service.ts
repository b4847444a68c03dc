import type { JwtVerifier } from '../../../../libs/auth/jwt.verifier';
import type { WorkloadAccessTokens } from '../../../../libs/auth/workload-access-token';
import { AccessDeniedException, ResourceNotFoundException } from '../../../../libs/wire/errors';
import type {
  WorkloadIdentitiesRepository,
  WorkloadIdentityRecord,
} from '../../../../libs/workload-identities/workload-identities.repository';

/** The three ways to mint a workload access token, as AgentCore's data plane offers them. */
export class WorkloadAccessTokensService {
  constructor(
    private readonly workloads: WorkloadIdentitiesRepository,
    private readonly verifier: JwtVerifier,
    private readonly tokens: WorkloadAccessTokens,
  ) {}

  async forWorkload(workloadName: string) {
    await this.workload(workloadName);
    return { workloadAccessToken: await this.tokens.mint({ workloadName }) };
  }

  /** The user is (iss, sub) of a JWT the workload's authorizer accepts; the WAT lives no longer than the JWT. */
  async forJwt(workloadName: string, userToken: string) {
    const workload = await this.workload(workloadName);
    if (!workload.jwtAuthorizer) {
      throw new AccessDeniedException(
        `Workload identity ${workloadName} trusts no JWT issuer; configure one with PutWorkloadIdentityAuthorizer`,
      );
    }
    const user = await this.verifier.verify(userToken, workload.jwtAuthorizer);
    const workloadAccessToken = await this.tokens.mint({
      workloadName,
      user: { kind: 'jwt', iss: user.iss, sub: user.sub },
      userToken,
      notAfter: user.payload.exp,
    });
    return { workloadAccessToken };
  }

  async forUserId(workloadName: string, userId: string) {
    await this.workload(workloadName);
    return {
      workloadAccessToken: await this.tokens.mint({ workloadName, user: { kind: 'userId', userId } }),
    };
  }

  private async workload(name: string): Promise<WorkloadIdentityRecord> {
    const record = await this.workloads.find(name);
    if (!record) throw new ResourceNotFoundException(`Workload identity ${name} does not exist`);
    return record;
  }
}
