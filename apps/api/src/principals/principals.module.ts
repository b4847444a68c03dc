import { Module } from '@nestjs/common';
import { JwtVerifier } from '../../../../libs/auth/jwt.verifier';
import { PrincipalsRepository } from '../../../../libs/auth/principals.repository';
import type { Config } from '../../../../libs/config/config';
import { CONFIG } from '../tokens';
import { PrincipalsController } from './principals.controller';
import { PrincipalsService } from './principals.service';

@Module({
  controllers: [PrincipalsController],
  providers: [
    {
      provide: PrincipalsService,
      inject: [PrincipalsRepository, JwtVerifier, CONFIG],
      useFactory: (repository: PrincipalsRepository, verifier: JwtVerifier, config: Config) =>
        new PrincipalsService(repository, config.deployment, { verifier, outbound: config.outbound }),
    },
  ],
})
export class PrincipalsModule {}
