import { Module } from '@nestjs/common';
import { JwtVerifier } from '../../../../libs/auth/jwt.verifier';
import { WorkloadAccessTokens } from '../../../../libs/auth/workload-access-token';
import { WorkloadIdentitiesRepository } from '../../../../libs/workload-identities/workload-identities.repository';
import { WorkloadAccessTokensService } from './workload-access-tokens.service';

/** The three GetWorkloadAccessToken* operations, served as data-plane routes (data-plane/). */
@Module({
  providers: [
    {
      provide: WorkloadAccessTokensService,
      inject: [WorkloadIdentitiesRepository, JwtVerifier, WorkloadAccessTokens],
      useFactory: (
        workloads: WorkloadIdentitiesRepository,
        verifier: JwtVerifier,
        tokens: WorkloadAccessTokens,
      ) => new WorkloadAccessTokensService(workloads, verifier, tokens),
    },
  ],
})
export class WorkloadAccessTokensModule {}
