import { Module } from '@nestjs/common';
import type { Config } from '../../../../libs/config/config';
import { ApiKeyProvidersRepository } from '../../../../libs/providers/api-key-providers.repository';
import { Oauth2ProvidersRepository } from '../../../../libs/providers/oauth2-providers.repository';
import { PrincipalsRepository } from '../../../../libs/auth/principals.repository';
import { ConsentPortalsRepository } from '../../../../libs/portal/consent-portals.repository';
import {
  parseConsentPortalArn,
  parseCredentialProviderArn,
  parsePrincipalArn,
  parseWorkloadIdentityArn,
} from '../../../../libs/wire/arn';
import { WorkloadIdentitiesRepository } from '../../../../libs/workload-identities/workload-identities.repository';
import { CONFIG } from '../tokens';
import { TagsController } from './tags.controller';
import { TagsService } from './tags.service';

@Module({
  controllers: [TagsController],
  providers: [
    {
      provide: TagsService,
      inject: [
        WorkloadIdentitiesRepository,
        ApiKeyProvidersRepository,
        Oauth2ProvidersRepository,
        PrincipalsRepository,
        ConsentPortalsRepository,
        CONFIG,
      ],
      useFactory: (
        workloads: WorkloadIdentitiesRepository,
        apiKeyProviders: ApiKeyProvidersRepository,
        oauth2Providers: Oauth2ProvidersRepository,
        principals: PrincipalsRepository,
        portals: ConsentPortalsRepository,
        config: Config,
      ) => {
        const { deployment } = config;
        // The repositories keep the tags (and drop their own cached copies when tags change).
        return new TagsService([
          { parse: (arn) => parseWorkloadIdentityArn(deployment, arn), repository: workloads },
          {
            parse: (arn) => parseCredentialProviderArn(deployment, 'apikey', arn),
            repository: apiKeyProviders,
          },
          {
            parse: (arn) => parseCredentialProviderArn(deployment, 'oauth2', arn),
            repository: oauth2Providers,
          },
          { parse: (arn) => parsePrincipalArn(deployment, arn), repository: principals },
          { parse: (arn) => parseConsentPortalArn(deployment, arn), repository: portals },
        ]);
      },
    },
  ],
})
export class TagsModule {}
