import { Module } from '@nestjs/common';
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
      inject: [PrincipalsRepository, CONFIG],
      useFactory: (repository: PrincipalsRepository, config: Config) =>
        new PrincipalsService(repository, config.deployment),
    },
  ],
})
export class PrincipalsModule {}
