import { Module } from '@nestjs/common';
import type { Runtime } from '../../../../libs/runtime/runtime';
import { ProviderSecrets } from '../credential-providers/provider-secrets';
import { secretWatchStarter } from '../credential-providers/secret-watch';
import { RUNTIME } from '../tokens';
import { ApiKeyProvidersController } from './api-key-providers.controller';
import { ApiKeyProvidersRepository } from '../../../../libs/providers/api-key-providers.repository';
import { ApiKeyProvidersService } from './api-key-providers.service';

@Module({
  controllers: [ApiKeyProvidersController],
  providers: [
    {
      provide: ApiKeyProvidersService,
      inject: [RUNTIME],
      useFactory: (runtime: Runtime) =>
        new ApiKeyProvidersService(
          new ApiKeyProvidersRepository(runtime.db),
          new ProviderSecrets(runtime.secrets, secretWatchStarter(runtime)),
          runtime.config.deployment,
        ),
    },
  ],
})
export class ApiKeyProvidersModule {}
