import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { SigV4Verifier } from '../../../libs/auth/sigv4.verifier';
import { PrincipalsRepository } from '../../../libs/auth/principals.repository';
import type { Config } from '../../../libs/config/config';
import type { Logger } from '../../../libs/logging/logger';
import type { Runtime } from '../../../libs/runtime/runtime';
import { AccessPolicy } from '../../../libs/auth/policy';
import { WorkloadAccessTokens } from '../../../libs/auth/workload-access-token';
import { OperationAccess } from './auth/operation-access';
import { SIGV4_VERIFIER, SigV4Guard } from './auth/sigv4.guard';
import { principalLookup } from '../../../libs/auth/session-principals';
import { SessionCredentials } from '../../../libs/auth/temporary-credentials';
import { HealthController } from './health/health.controller';
import { AuditModule } from './audit/audit.module';
import { PrincipalsModule } from './principals/principals.module';
import { ApiKeyProvidersModule } from './api-key-providers/api-key-providers.module';
import { CodecModule } from './codec/codec.module';
import { ConnectionsModule } from './connections/connections.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { ConsentPortalsModule } from './consent-portals/consent-portals.module';
import { PortalModule } from './portal/portal.module';
import { PolicyEnginesModule } from './policy-engines/policy-engines.module';
import { ApprovalsModule } from './approvals/approvals.module';
import { ResourceTokensModule } from './resource-tokens/resource-tokens.module';
import { Oauth2ProvidersModule } from './oauth2-providers/oauth2-providers.module';
import { TokenVaultModule } from './token-vault/token-vault.module';
import { JwtAuthorizersModule } from './jwt-authorizers/jwt-authorizers.module';
import { TagsModule } from './tags/tags.module';
import { StsModule } from './sts/sts.module';
import { ResourcePoliciesModule } from './resource-policies/resource-policies.module';
import { WorkloadAccessTokensModule } from './workload-access-tokens/workload-access-tokens.module';
import { CompositionModule } from './composition.module';
import { CONFIG, LOGGER } from './tokens';
import { AwsExceptionFilter } from './wire/aws-exception.filter';
import { WorkloadIdentitiesModule } from './workload-identities/workload-identities.module';

/** The API: the composition root (every shared resource, once) and the feature modules built on it. */
@Module({})
export class ApiModule {
  static register(runtime: Runtime): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        CompositionModule.register(runtime),
        WorkloadIdentitiesModule,
        TagsModule,
        ResourcePoliciesModule,
        JwtAuthorizersModule,
        WorkloadAccessTokensModule,
        ApiKeyProvidersModule,
        TokenVaultModule,
        Oauth2ProvidersModule,
        ResourceTokensModule,
        CodecModule,
        ConnectionsModule,
        WebhooksModule,
        ConsentPortalsModule,
        PortalModule,
        PolicyEnginesModule,
        ApprovalsModule,
        AuditModule,
        PrincipalsModule,
        StsModule,
      ],
      controllers: [HealthController],
      providers: [
        {
          provide: SIGV4_VERIFIER,
          inject: [CONFIG, PrincipalsRepository, SessionCredentials],
          useFactory: (config: Config, principals: PrincipalsRepository, sessions: SessionCredentials) =>
            new SigV4Verifier(
              {
                region: config.deployment.region,
                service: 'bedrock-agentcore',
                maxSkewSeconds: config.auth.maxClockSkewSeconds,
              },
              principalLookup(principals, sessions),
            ),
        },
        {
          provide: OperationAccess,
          inject: [SIGV4_VERIFIER, WorkloadAccessTokens, CONFIG, PrincipalsRepository, AccessPolicy],
          useFactory: (
            verifier: SigV4Verifier,
            wats: WorkloadAccessTokens,
            config: Config,
            principals: PrincipalsRepository,
            access: AccessPolicy,
          ) => new OperationAccess(verifier, wats, config, principals, access),
        },
        { provide: APP_GUARD, useClass: SigV4Guard },
        {
          provide: APP_FILTER,
          inject: [LOGGER],
          useFactory: (log: Logger) => new AwsExceptionFilter(log.child({ component: 'api' })),
        },
      ],
    };
  }
}
