import { Module } from '@nestjs/common';
import { ResourcePoliciesRepository } from '../../../../libs/auth/resource-policies.repository';
import type { Config } from '../../../../libs/config/config';
import { ApiKeyProvidersRepository } from '../../../../libs/providers/api-key-providers.repository';
import { ProviderSecrets } from '../credential-providers/provider-secrets';
import { ProviderSecretsModule } from '../credential-providers/provider-secrets.module';
import { PolicyEnginesModule } from '../policy-engines/policy-engines.module';
import { ReleaseGuard } from '../policy-engines/release-guard';
import { ReleaseApprovals } from '../approvals/release-approvals';
import { CONFIG } from '../tokens';
import { ApiKeyProvidersController } from './api-key-providers.controller';
import { ApiKeyProvidersService } from './api-key-providers.service';

@Module({
  imports: [ProviderSecretsModule, PolicyEnginesModule],
  controllers: [ApiKeyProvidersController],
  providers: [
    {
      provide: ApiKeyProvidersService,
      inject: [
        ApiKeyProvidersRepository,
        ProviderSecrets,
        CONFIG,
        ResourcePoliciesRepository,
        ReleaseGuard,
        ReleaseApprovals,
      ],
      useFactory: (
        repository: ApiKeyProvidersRepository,
        secrets: ProviderSecrets,
        config: Config,
        resourcePolicies: ResourcePoliciesRepository,
        guard: ReleaseGuard,
        approvals: ReleaseApprovals,
      ) =>
        new ApiKeyProvidersService(
          repository,
          secrets,
          config.deployment,
          resourcePolicies,
          guard,
          approvals,
        ),
    },
  ],
})
export class ApiKeyProvidersModule {}
