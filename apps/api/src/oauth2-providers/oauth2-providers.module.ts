import { Module } from '@nestjs/common';
import type { Runtime } from '../../../../libs/runtime/runtime';
import { ProviderSecrets } from '../credential-providers/provider-secrets';
import { secretWatchStarter } from '../credential-providers/secret-watch';
import { RUNTIME } from '../tokens';
import { Oauth2ProvidersController } from './oauth2-providers.controller';
import { Oauth2ProvidersRepository } from '../../../../libs/providers/oauth2-providers.repository';
import { Oauth2ProvidersService } from './oauth2-providers.service';

@Module({
  controllers: [Oauth2ProvidersController],
  providers: [
    {
      provide: Oauth2ProvidersService,
      inject: [RUNTIME],
      useFactory: (runtime: Runtime) =>
        new Oauth2ProvidersService(
          new Oauth2ProvidersRepository(runtime.db),
          new ProviderSecrets(runtime.secrets, secretWatchStarter(runtime)),
          runtime.config.deployment,
          {
            publicUrl: runtime.config.http.publicUrl,
            outbound: runtime.config.outbound,
            changed: (name) => runtime.caches.providers.delete(name),
          },
        ),
    },
  ],
  exports: [Oauth2ProvidersService],
})
export class Oauth2ProvidersModule {}
