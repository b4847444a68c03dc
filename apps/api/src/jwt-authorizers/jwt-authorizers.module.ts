import { Module } from '@nestjs/common';
import type { Runtime } from '../../../../libs/runtime/runtime';
import { RUNTIME } from '../tokens';
import { WorkloadIdentitiesRepository } from '../../../../libs/workload-identities/workload-identities.repository';
import { JwtAuthorizersController } from './jwt-authorizers.controller';
import { JwtAuthorizersService } from './jwt-authorizers.service';

@Module({
  controllers: [JwtAuthorizersController],
  providers: [
    {
      provide: JwtAuthorizersService,
      inject: [RUNTIME],
      useFactory: (runtime: Runtime) =>
        new JwtAuthorizersService(
          new WorkloadIdentitiesRepository(runtime.db),
          runtime.jwtVerifier,
          runtime.config.deployment,
          runtime.config.outbound,
        ),
    },
  ],
})
export class JwtAuthorizersModule {}
