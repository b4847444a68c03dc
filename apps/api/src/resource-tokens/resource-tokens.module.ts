import { Module } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { AccessPolicy } from '../../../../libs/auth/policy';
import { JwtVerifier } from '../../../../libs/auth/jwt.verifier';
import type { Config } from '../../../../libs/config/config';
import { ConnectionsRepository } from '../../../../libs/vault/connections.repository';
import { ExchangeSubjectsRepository } from '../../../../libs/vault/exchange-subjects.repository';
import { SessionsRepository } from '../../../../libs/consent/sessions.repository';
import { UserKeys } from '../../../../libs/consent/user-key';
import { ConsentPortalsRepository } from '../../../../libs/portal/consent-portals.repository';
import { ConnectionUse } from '../../../../libs/vault/connection-use';
import { OAuthClients } from '../../../../libs/oauth/oauth-client';
import { Metrics } from '../../../../libs/metrics/metrics';
import { Oauth2ProvidersRepository } from '../../../../libs/providers/oauth2-providers.repository';
import { SecretStore } from '../../../../libs/secrets/secret-store';
import { WorkloadIdentitiesRepository } from '../../../../libs/workload-identities/workload-identities.repository';
import { PolicyEnginesModule } from '../policy-engines/policy-engines.module';
import { ReleaseGuard } from '../policy-engines/release-guard';
import { ReleaseApprovals } from '../approvals/release-approvals';
import { CONFIG } from '../tokens';
import { DelegatedTokens } from './delegated-tokens';
import { Renewals } from './renewals';
import { ResourceTokensController } from './resource-tokens.controller';
import { ResourceTokensService } from './resource-tokens.service';
import { UserConsent } from './user-consent';

/**
 * The most a stored token keeps back before its lifecycle is asked to refresh (a quarter of its life
 * when that is less): half the lifecycle's own skew, so scheduled refreshes normally come first.
 */
const maxMarginMs = (config: Config) => config.lifecycle.refreshSkewMs / 2;

@Module({
  imports: [PolicyEnginesModule],
  controllers: [ResourceTokensController],
  providers: [
    {
      provide: Renewals,
      inject: [Client, ConnectionsRepository, CONFIG, Metrics],
      useFactory: (temporal: Client, connections: ConnectionsRepository, config: Config, metrics: Metrics) =>
        new Renewals(
          temporal,
          connections,
          { taskQueue: config.temporal.taskQueue, timing: config.lifecycle },
          metrics,
        ),
    },
    {
      provide: DelegatedTokens,
      inject: [ConnectionsRepository, ExchangeSubjectsRepository, UserKeys, Renewals, CONFIG, Metrics],
      useFactory: (
        connections: ConnectionsRepository,
        subjects: ExchangeSubjectsRepository,
        userKeys: UserKeys,
        renewals: Renewals,
        config: Config,
        metrics: Metrics,
      ) =>
        new DelegatedTokens({
          connections,
          subjects,
          userKeys,
          renewals,
          maxMarginMs: maxMarginMs(config),
          metrics,
        }),
    },
    {
      provide: UserConsent,
      inject: [
        SessionsRepository,
        ConnectionsRepository,
        ExchangeSubjectsRepository,
        Oauth2ProvidersRepository,
        WorkloadIdentitiesRepository,
        SecretStore,
        OAuthClients,
        Client,
        JwtVerifier,
        UserKeys,
        Renewals,
        AccessPolicy,
        ConsentPortalsRepository,
        ConnectionUse,
        CONFIG,
        Metrics,
      ],
      useFactory: (
        sessions: SessionsRepository,
        connections: ConnectionsRepository,
        subjects: ExchangeSubjectsRepository,
        providers: Oauth2ProvidersRepository,
        workloads: WorkloadIdentitiesRepository,
        secrets: SecretStore,
        oauth: OAuthClients,
        temporal: Client,
        jwtVerifier: JwtVerifier,
        userKeys: UserKeys,
        renewals: Renewals,
        access: AccessPolicy,
        portals: ConsentPortalsRepository,
        use: ConnectionUse,
        config: Config,
        metrics: Metrics,
      ) =>
        new UserConsent({
          sessions,
          connections,
          subjects,
          providers,
          workloads,
          secrets,
          oauth,
          temporal,
          jwtVerifier,
          userKeys,
          renewals,
          access,
          portals,
          used: (id) => use.note(id),
          metrics,
          settings: {
            publicUrl: config.http.publicUrl,
            sessionTtlMs: config.consent.sessionTtlMs,
            taskQueue: config.temporal.taskQueue,
            maxMarginMs: maxMarginMs(config),
            deployment: config.deployment,
          },
        }),
    },
    {
      provide: ResourceTokensService,
      inject: [Oauth2ProvidersRepository, DelegatedTokens, UserConsent, ReleaseGuard, ReleaseApprovals],
      useFactory: (
        providers: Oauth2ProvidersRepository,
        delegated: DelegatedTokens,
        consent: UserConsent,
        guard: ReleaseGuard,
        approvals: ReleaseApprovals,
      ) => new ResourceTokensService(providers, delegated, consent, guard, approvals),
    },
  ],
  exports: [UserConsent],
})
export class ResourceTokensModule {}
