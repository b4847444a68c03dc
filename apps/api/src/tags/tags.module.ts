import { Module } from '@nestjs/common';
import type { Runtime } from '../../../../libs/runtime/runtime';
import { ApiKeyProvidersRepository } from '../../../../libs/providers/api-key-providers.repository';
import { Oauth2ProvidersRepository } from '../../../../libs/providers/oauth2-providers.repository';
import { parseCredentialProviderArn, parseWorkloadIdentityArn } from '../../../../libs/wire/arn';
import { WorkloadIdentitiesRepository } from '../../../../libs/workload-identities/workload-identities.repository';
import { RUNTIME } from '../tokens';
import { TagsController } from './tags.controller';
import { TagsService } from './tags.service';

@Module({
  controllers: [TagsController],
  providers: [
    {
      provide: TagsService,
      inject: [RUNTIME],
      useFactory: (runtime: Runtime) => {
        const { deployment } = runtime.config;
        return new TagsService([
          {
            parse: (arn) => parseWorkloadIdentityArn(deployment, arn),
            ...bound(new WorkloadIdentitiesRepository(runtime.db)),
          },
          {
            parse: (arn) => parseCredentialProviderArn(deployment, 'apikey', arn),
            ...bound(new ApiKeyProvidersRepository(runtime.db)),
          },
          {
            parse: (arn) => parseCredentialProviderArn(deployment, 'oauth2', arn),
            ...bound(new Oauth2ProvidersRepository(runtime.db)),
          },
        ]);
      },
    },
  ],
})
export class TagsModule {}

function bound(repository: {
  find(name: string): Promise<{ tags: Record<string, string> } | undefined>;
  setTags(name: string, tags: Record<string, string>): Promise<unknown>;
}) {
  return { find: (name: string) => repository.find(name), setTags: repository.setTags.bind(repository) };
}
