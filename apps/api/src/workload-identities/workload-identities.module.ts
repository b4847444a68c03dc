import { Module } from '@nestjs/common';
import type { Config } from '../../../../libs/config/config';
import { WorkloadIdentitiesRepository } from '../../../../libs/workload-identities/workload-identities.repository';
import { CONFIG } from '../tokens';
import { WorkloadIdentitiesController } from './workload-identities.controller';
import { WorkloadIdentitiesService } from './workload-identities.service';

@Module({
  controllers: [WorkloadIdentitiesController],
  providers: [
    {
      provide: WorkloadIdentitiesService,
      inject: [WorkloadIdentitiesRepository, CONFIG],
      useFactory: (repository: WorkloadIdentitiesRepository, config: Config) =>
        new WorkloadIdentitiesService(repository, config.deployment),
    },
  ],
})
export class WorkloadIdentitiesModule {}
