import { Module } from '@nestjs/common';
import { ResourcePoliciesRepository } from '../../../../libs/auth/resource-policies.repository';
import type { Config } from '../../../../libs/config/config';
import { Oauth2ProvidersRepository } from '../../../../libs/providers/oauth2-providers.repository';
import { ProviderSecrets } from '../credential-providers/provider-secrets';
import { ProviderSecretsModule } from '../credential-providers/provider-secrets.module';
import { CONFIG } from '../tokens';
import { Oauth2ProvidersController } from './oauth2-providers.controller';
import { Oauth2ProvidersService } from './oauth2-providers.service';

@Module({
  imports: [ProviderSecretsModule],
  controllers: [Oauth2ProvidersController],
  providers: [
    {
      provide: Oauth2ProvidersService,
      inject: [Oauth2ProvidersRepository, ProviderSecrets, CONFIG, ResourcePoliciesRepository],
      useFactory: (
        repository: Oauth2ProvidersRepository,
        secrets: ProviderSecrets,
        config: Config,
        resourcePolicies: ResourcePoliciesRepository,
      ) =>
        new Oauth2ProvidersService(repository, secrets, config.deployment, resourcePolicies, {
          publicUrl: config.http.publicUrl,
          outbound: config.outbound,
        }),
    },
  ],
  exports: [Oauth2ProvidersService],
})
export class Oauth2ProvidersModule {}
