import { Module } from '@nestjs/common';
import type { Runtime } from '../../../../libs/runtime/runtime';
import { RUNTIME } from '../tokens';
import { WorkloadIdentitiesController } from './workload-identities.controller';
import { WorkloadIdentitiesRepository } from '../../../../libs/workload-identities/workload-identities.repository';
import { WorkloadIdentitiesService } from './workload-identities.service';

@Module({
  controllers: [WorkloadIdentitiesController],
  providers: [
    {
      provide: WorkloadIdentitiesService,
      inject: [RUNTIME],
      useFactory: (runtime: Runtime) =>
        new WorkloadIdentitiesService(
          new WorkloadIdentitiesRepository(runtime.db),
          runtime.config.deployment,
          (name) => runtime.caches.workloads.delete(name),
        ),
    },
  ],
})
export class WorkloadIdentitiesModule {}
