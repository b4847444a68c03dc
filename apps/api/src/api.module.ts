import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { SigV4Verifier } from '../../../libs/auth/sigv4.verifier';
import type { Runtime } from '../../../libs/runtime/runtime';
import { SIGV4_VERIFIER, SigV4Guard } from './auth/sigv4.guard';
import { HealthController } from './health/health.controller';
import { AuditModule } from './audit/audit.module';
import { ApiKeyProvidersModule } from './api-key-providers/api-key-providers.module';
import { CodecModule } from './codec/codec.module';
import { ConnectionsModule } from './connections/connections.module';
import { ConsentModule } from './consent/consent.module';
import { Oauth2ProvidersModule } from './oauth2-providers/oauth2-providers.module';
import { TokenVaultModule } from './token-vault/token-vault.module';
import { JwtAuthorizersModule } from './jwt-authorizers/jwt-authorizers.module';
import { TagsModule } from './tags/tags.module';
import { WorkloadAccessTokensModule } from './workload-access-tokens/workload-access-tokens.module';
import { RUNTIME } from './tokens';
import { AwsExceptionFilter } from './wire/aws-exception.filter';
import { WorkloadIdentitiesModule } from './workload-identities/workload-identities.module';

/** Shares the process runtime with every feature module. */
@Global()
@Module({})
class RuntimeModule {
  static register(runtime: Runtime): DynamicModule {
    return {
      module: RuntimeModule,
      providers: [{ provide: RUNTIME, useValue: runtime }],
      exports: [RUNTIME],
    };
  }
}

@Module({})
export class ApiModule {
  static register(runtime: Runtime): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        RuntimeModule.register(runtime),
        WorkloadIdentitiesModule,
        TagsModule,
        JwtAuthorizersModule,
        WorkloadAccessTokensModule,
        ApiKeyProvidersModule,
        TokenVaultModule,
        Oauth2ProvidersModule,
        ConsentModule,
        CodecModule,
        ConnectionsModule,
        AuditModule,
      ],
      controllers: [HealthController],
      providers: [
        {
          provide: SIGV4_VERIFIER,
          useFactory: () =>
            new SigV4Verifier(
              {
                region: runtime.config.deployment.region,
                service: 'bedrock-agentcore',
                maxSkewSeconds: runtime.config.auth.maxClockSkewSeconds,
              },
              (accessKeyId) =>
                runtime.caches.principals.find(accessKeyId, () => runtime.principals.find(accessKeyId)),
            ),
        },
        { provide: APP_GUARD, useClass: SigV4Guard },
        {
          provide: APP_FILTER,
          useFactory: () => new AwsExceptionFilter(runtime.log.child({ component: 'api' })),
        },
      ],
    };
  }
}
