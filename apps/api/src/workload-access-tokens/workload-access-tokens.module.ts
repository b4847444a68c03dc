import { Module } from '@nestjs/common';
import type { Runtime } from '../../../../libs/runtime/runtime';
import { RUNTIME } from '../tokens';
import { WorkloadIdentitiesRepository } from '../../../../libs/workload-identities/workload-identities.repository';
import { WorkloadAccessTokensController } from './workload-access-tokens.controller';
import { WorkloadAccessTokensService } from './workload-access-tokens.service';

@Module({
  controllers: [WorkloadAccessTokensController],
  providers: [
    {
      provide: WorkloadAccessTokensService,
      inject: [RUNTIME],
      useFactory: (runtime: Runtime) =>
        new WorkloadAccessTokensService(
          new WorkloadIdentitiesRepository(runtime.db),
          runtime.jwtVerifier,
          runtime.workloadAccessTokens,
        ),
    },
  ],
})
export class WorkloadAccessTokensModule {}
