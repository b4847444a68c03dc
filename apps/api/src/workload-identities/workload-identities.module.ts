import { Module } from '@nestjs/common';
import { ResourcePoliciesRepository } from '../../../../libs/auth/resource-policies.repository';
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
      inject: [WorkloadIdentitiesRepository, CONFIG, ResourcePoliciesRepository],
      useFactory: (
        repository: WorkloadIdentitiesRepository,
        config: Config,
        resourcePolicies: ResourcePoliciesRepository,
      ) => new WorkloadIdentitiesService(repository, config.deployment, resourcePolicies),
    },
  ],
})
export class WorkloadIdentitiesModule {}
