import { Module } from '@nestjs/common';
import { JwtVerifier } from '../../../../libs/auth/jwt.verifier';
import { WorkloadAccessTokens } from '../../../../libs/auth/workload-access-token';
import { WorkloadIdentitiesRepository } from '../../../../libs/workload-identities/workload-identities.repository';
import { WorkloadAccessTokensController } from './workload-access-tokens.controller';
import { WorkloadAccessTokensService } from './workload-access-tokens.service';

@Module({
  controllers: [WorkloadAccessTokensController],
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
