import { Module } from '@nestjs/common';
import { JwtVerifier } from '../../../../libs/auth/jwt.verifier';
import { PrincipalsRepository } from '../../../../libs/auth/principals.repository';
import { SessionCredentials } from '../../../../libs/auth/temporary-credentials';
import type { Config } from '../../../../libs/config/config';
import { CONFIG } from '../tokens';
import { StsController } from './sts.controller';
import { WebIdentityService } from './web-identity.service';

@Module({
  controllers: [StsController],
  providers: [
    {
      provide: WebIdentityService,
      inject: [PrincipalsRepository, JwtVerifier, SessionCredentials, CONFIG],
      useFactory: (
        principals: PrincipalsRepository,
        verifier: JwtVerifier,
        sessions: SessionCredentials,
        config: Config,
      ) => new WebIdentityService(principals, verifier, sessions, config.deployment),
    },
  ],
})
export class StsModule {}
