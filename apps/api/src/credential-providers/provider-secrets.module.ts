import { Module } from '@nestjs/common';
import { Client } from '@temporalio/client';
import type { Config } from '../../../../libs/config/config';
import { SecretStore } from '../../../../libs/secrets/secret-store';
import { CONFIG } from '../tokens';
import { ProviderSecrets } from './provider-secrets';
import { secretWatchStarter } from './secret-watch';

/** The secrets behind both kinds of credential provider, with the rotation watch of external ones. */
@Module({
  providers: [
    {
      provide: ProviderSecrets,
      inject: [SecretStore, Client, CONFIG],
      useFactory: (secrets: SecretStore, temporal: Client, config: Config) =>
        new ProviderSecrets(secrets, secretWatchStarter(temporal, config)),
    },
  ],
  exports: [ProviderSecrets],
})
export class ProviderSecretsModule {}
