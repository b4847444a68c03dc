import { Module } from '@nestjs/common';
import type { Runtime } from '../../../../libs/runtime/runtime';
import { RUNTIME } from '../tokens';
import { WorkloadIdentitiesRepository } from '../../../../libs/workload-identities/workload-identities.repository';
import { TagsController } from './tags.controller';
import { TagsService } from './tags.service';

@Module({
  controllers: [TagsController],
  providers: [
    {
      provide: TagsService,
      inject: [RUNTIME],
      useFactory: (runtime: Runtime) =>
        new TagsService(new WorkloadIdentitiesRepository(runtime.db), runtime.config.deployment),
    },
  ],
})
export class TagsModule {}
