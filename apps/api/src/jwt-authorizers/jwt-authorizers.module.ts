import { Module } from '@nestjs/common';
import { JwtVerifier } from '../../../../libs/auth/jwt.verifier';
import type { Config } from '../../../../libs/config/config';
import { WorkloadIdentitiesRepository } from '../../../../libs/workload-identities/workload-identities.repository';
import { CONFIG } from '../tokens';
import { JwtAuthorizersController } from './jwt-authorizers.controller';
import { JwtAuthorizersService } from './jwt-authorizers.service';

@Module({
  controllers: [JwtAuthorizersController],
  providers: [
    {
      provide: JwtAuthorizersService,
      inject: [WorkloadIdentitiesRepository, JwtVerifier, CONFIG],
      useFactory: (workloads: WorkloadIdentitiesRepository, verifier: JwtVerifier, config: Config) =>
        new JwtAuthorizersService(workloads, verifier, config.deployment, config.outbound),
    },
  ],
})
export class JwtAuthorizersModule {}
