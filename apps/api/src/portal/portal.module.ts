import { Module } from '@nestjs/common';
import { AuditLog } from '../../../../libs/audit/audit-log';
import type { Config } from '../../../../libs/config/config';
import { SessionsRepository } from '../../../../libs/consent/sessions.repository';
import { UserKeys } from '../../../../libs/consent/user-key';
import { OAuthClients } from '../../../../libs/oauth/oauth-client';
import { ConsentPortalsRepository } from '../../../../libs/portal/consent-portals.repository';
import { PortalSessions } from '../../../../libs/portal/portal-sessions';
import { Oauth2ProvidersRepository } from '../../../../libs/providers/oauth2-providers.repository';
import { SecretStore } from '../../../../libs/secrets/secret-store';
import { ConnectionRecordsRepository } from '../../../../libs/vault/connection-records.repository';
import { ConnectionUse } from '../../../../libs/vault/connection-use';
import { WorkloadIdentitiesRepository } from '../../../../libs/workload-identities/workload-identities.repository';
import { ConnectionRevocation } from '../connections/connection-revocation';
import { ConnectionsModule } from '../connections/connections.module';
import { ResourceTokensModule } from '../resource-tokens/resource-tokens.module';
import { UserConsent } from '../resource-tokens/user-consent';
import { CONFIG } from '../tokens';
import { PortalController } from './portal.controller';
import { PortalService } from './portal.service';
import { PortalApprovals } from './portal-approvals';
import { ReleaseApprovals } from '../approvals/release-approvals';
import { PolicyEnginesModule } from '../policy-engines/policy-engines.module';
import { PolicyEnginesRepository } from '../../../../libs/policy/policy-engines.repository';

@Module({
  imports: [ConnectionsModule, ResourceTokensModule, PolicyEnginesModule],
  controllers: [PortalController],
  providers: [
    {
      provide: PortalService,
      inject: [
        ConsentPortalsRepository,
        PortalSessions,
        Oauth2ProvidersRepository,
        WorkloadIdentitiesRepository,
        SecretStore,
        OAuthClients,
        UserKeys,
        SessionsRepository,
        ConnectionRecordsRepository,
        ConnectionUse,
        ConnectionRevocation,
        UserConsent,
        AuditLog,
        CONFIG,
      ],
      useFactory: (
        portals: ConsentPortalsRepository,
        people: PortalSessions,
        providers: Oauth2ProvidersRepository,
        workloads: WorkloadIdentitiesRepository,
        secrets: SecretStore,
        oauth: OAuthClients,
        userKeys: UserKeys,
        sessions: SessionsRepository,
        records: ConnectionRecordsRepository,
        use: ConnectionUse,
        revocation: ConnectionRevocation,
        consent: UserConsent,
        audit: AuditLog,
        config: Config,
      ) =>
        new PortalService({
          portals,
          people,
          providers,
          workloads,
          secrets,
          oauth,
          userKeys,
          sessions,
          records,
          use,
          revocation,
          consent,
          audit,
          settings: { publicUrl: config.http.publicUrl, deployment: config.deployment },
        }),
    },
    {
      provide: PortalApprovals,
      inject: [
        ReleaseApprovals,
        Oauth2ProvidersRepository,
        WorkloadIdentitiesRepository,
        ConnectionRecordsRepository,
        PolicyEnginesRepository,
        UserConsent,
        AuditLog,
      ],
      useFactory: (
        approvals: ReleaseApprovals,
        providers: Oauth2ProvidersRepository,
        workloads: WorkloadIdentitiesRepository,
        records: ConnectionRecordsRepository,
        policies: PolicyEnginesRepository,
        consent: UserConsent,
        audit: AuditLog,
      ) => new PortalApprovals({ approvals, providers, workloads, records, policies, consent, audit }),
    },
  ],
})
export class PortalModule {}
