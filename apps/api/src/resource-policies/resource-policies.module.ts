import { Module } from '@nestjs/common';
import { ResourcePoliciesRepository } from '../../../../libs/auth/resource-policies.repository';
import type { Config } from '../../../../libs/config/config';
import { ApiKeyProvidersRepository } from '../../../../libs/providers/api-key-providers.repository';
import { Oauth2ProvidersRepository } from '../../../../libs/providers/oauth2-providers.repository';
import { resourcePolicyKind } from '../../../../libs/runtime/runtime';
import { parseCredentialProviderArn, parseWorkloadIdentityArn } from '../../../../libs/wire/arn';
import { WorkloadIdentitiesRepository } from '../../../../libs/workload-identities/workload-identities.repository';
import { CONFIG } from '../tokens';
import { ResourcePoliciesController } from './resource-policies.controller';
import { ResourcePoliciesService } from './resource-policies.service';

@Module({
  controllers: [ResourcePoliciesController],
  providers: [
    {
      provide: ResourcePoliciesService,
      inject: [
        ResourcePoliciesRepository,
        WorkloadIdentitiesRepository,
        ApiKeyProvidersRepository,
        Oauth2ProvidersRepository,
        CONFIG,
      ],
      useFactory: (
        repository: ResourcePoliciesRepository,
        workloads: WorkloadIdentitiesRepository,
        apiKeyProviders: ApiKeyProvidersRepository,
        oauth2Providers: Oauth2ProvidersRepository,
        config: Config,
      ) => {
        const { deployment } = config;
        return new ResourcePoliciesService(
          repository,
          [
            { parse: (arn) => parseWorkloadIdentityArn(deployment, arn), exists: (n) => workloads.exists(n) },
            {
              parse: (arn) => parseCredentialProviderArn(deployment, 'apikey', arn),
              exists: (n) => apiKeyProviders.exists(n),
            },
            {
              parse: (arn) => parseCredentialProviderArn(deployment, 'oauth2', arn),
              exists: (n) => oauth2Providers.exists(n),
            },
          ],
          resourcePolicyKind(config),
        );
      },
    },
  ],
})
export class ResourcePoliciesModule {}
