import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client } from '@temporalio/client';
import { AuditLog } from '../../../libs/audit/audit-log';
import { JwtVerifier } from '../../../libs/auth/jwt.verifier';
import { AccessPolicy } from '../../../libs/auth/policy';
import { PrincipalsRepository } from '../../../libs/auth/principals.repository';
import { SessionCredentials } from '../../../libs/auth/temporary-credentials';
import { ResourcePoliciesRepository } from '../../../libs/auth/resource-policies.repository';
import { WorkloadAccessTokens } from '../../../libs/auth/workload-access-token';
import { ConnectionRecordsRepository } from '../../../libs/vault/connection-records.repository';
import { WebhooksRepository } from '../../../libs/webhooks/webhooks.repository';
import { ConnectionsRepository } from '../../../libs/vault/connections.repository';
import { ExchangeSubjectsRepository } from '../../../libs/vault/exchange-subjects.repository';
import { SessionsRepository } from '../../../libs/consent/sessions.repository';
import { UserKeys } from '../../../libs/consent/user-key';
import { ConsentPortalsRepository } from '../../../libs/portal/consent-portals.repository';
import { PortalSessions } from '../../../libs/portal/portal-sessions';
import { ConnectionUse } from '../../../libs/vault/connection-use';
import { PolicyEnginesRepository } from '../../../libs/policy/policy-engines.repository';
import { ReleaseApprovalsRepository } from '../../../libs/approvals/release-approvals.repository';
import { ReleasePolicy } from '../../../libs/policy/release-policy';
import { OAuthClients } from '../../../libs/oauth/oauth-client';
import { Metrics } from '../../../libs/metrics/metrics';
import { ApiKeyProvidersRepository } from '../../../libs/providers/api-key-providers.repository';
import { Oauth2ProvidersRepository } from '../../../libs/providers/oauth2-providers.repository';
import type { Runtime } from '../../../libs/runtime/runtime';
import { SecretStore } from '../../../libs/secrets/secret-store';
import { AesGcmPayloadCodec } from '../../../libs/temporal/payload-codec';
import { Envelope } from '../../../libs/vault/envelope';
import { TokenVaultKeys } from '../../../libs/vault/token-vault';
import { WorkloadIdentitiesRepository } from '../../../libs/workload-identities/workload-identities.repository';
import { CONFIG, LOGGER, REWRAP_VAULT, VAULT_DB } from './tokens';

/**
 * The composition root of the API: every shared resource and repository of the process, built once
 * in `openRuntime`, offered to the feature modules one by one (by class, or by a Symbol from
 * `tokens.ts`). No service or controller receives the runtime itself; each names what it uses.
 */
@Global()
@Module({})
export class CompositionModule {
  static register(runtime: Runtime): DynamicModule {
    const { repositories } = runtime;
    const providers: Provider[] = [
      { provide: CONFIG, useValue: runtime.config },
      { provide: LOGGER, useValue: runtime.log },
      { provide: VAULT_DB, useValue: runtime.db },
      { provide: REWRAP_VAULT, useValue: () => runtime.rewrapVault() },
      { provide: Client, useValue: runtime.temporal },
      { provide: SecretsManagerClient, useValue: runtime.secretsManager },
      { provide: Envelope, useValue: runtime.envelope },
      { provide: TokenVaultKeys, useValue: runtime.vaultKeys },
      { provide: AesGcmPayloadCodec, useValue: runtime.payloadCodec },
      { provide: SecretStore, useValue: runtime.secrets },
      { provide: OAuthClients, useValue: runtime.oauth },
      { provide: JwtVerifier, useValue: runtime.jwtVerifier },
      { provide: WorkloadAccessTokens, useValue: runtime.workloadAccessTokens },
      { provide: AuditLog, useValue: runtime.audit },
      { provide: Metrics, useValue: runtime.metrics },
      { provide: UserKeys, useValue: runtime.userKeys },
      { provide: SessionCredentials, useValue: runtime.sessionCredentials },
      { provide: PrincipalsRepository, useValue: repositories.principals },
      { provide: ResourcePoliciesRepository, useValue: repositories.resourcePolicies },
      {
        provide: AccessPolicy,
        useValue: new AccessPolicy(runtime.config.deployment, repositories.resourcePolicies),
      },
      { provide: WorkloadIdentitiesRepository, useValue: repositories.workloadIdentities },
      { provide: Oauth2ProvidersRepository, useValue: repositories.oauth2Providers },
      { provide: ApiKeyProvidersRepository, useValue: repositories.apiKeyProviders },
      { provide: ConnectionsRepository, useValue: repositories.connections },
      { provide: ConnectionRecordsRepository, useValue: repositories.connectionRecords },
      { provide: WebhooksRepository, useValue: repositories.webhooks },
      { provide: ExchangeSubjectsRepository, useValue: repositories.exchangeSubjects },
      { provide: SessionsRepository, useValue: repositories.sessions },
      { provide: ConsentPortalsRepository, useValue: repositories.consentPortals },
      { provide: PortalSessions, useValue: runtime.portalSessions },
      { provide: ConnectionUse, useValue: runtime.connectionUse },
      { provide: PolicyEnginesRepository, useValue: repositories.policyEngines },
      { provide: ReleasePolicy, useValue: runtime.releasePolicy },
      { provide: ReleaseApprovalsRepository, useValue: repositories.releaseApprovals },
    ];
    return {
      module: CompositionModule,
      providers,
      exports: providers.map((provider) => (provider as { provide: unknown }).provide as string | symbol),
    };
  }
}
