import type { ColumnType, Generated } from 'kysely';
import type { CustomJwtAuthorizer } from '../auth/jwt-authorizer';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** jsonb columns are written as JSON text and read back parsed, on both engines. */
type Json<T> = ColumnType<T, string, string>;

/** Callers: a name, an IAM policy document (libs/auth/iam-policy), and their access keys. */
export interface PrincipalsTable {
  name: string;
  policy_document: Json<Record<string, unknown>>;
  description: string | null;
  tags: Json<Record<string, string>>;
  /** Who may assume the principal with a web identity token (libs/auth/web-identity-trust). */
  web_identity_trust: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** One per workload identity or credential provider that has one, keyed by the resource's ARN. */
export interface ResourcePoliciesTable {
  resource_arn: string;
  policy_document: Json<Record<string, unknown>>;
  created_at: Generated<Timestamp>;
  updated_at: Timestamp;
}

/** At most two per principal, so a key can be replaced without downtime. */
export interface AccessKeysTable {
  access_key_id: string;
  principal_name: string;
  /** The secret access key, sealed by the vault (see libs/vault). */
  secret_sealed: string;
  kek_id: string;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
  last_used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface WorkloadIdentitiesTable {
  name: string;
  allowed_return_urls: Json<string[]>;
  tags: Json<Record<string, string>>;
  jwt_authorizer: ColumnType<CustomJwtAuthorizer | null, string | null | undefined, string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WatKeysTable {
  kid: string;
  secret_sealed: string;
  kek_id: string;
  signs_from: Timestamp;
  signs_until: Timestamp;
  verifies_until: Timestamp;
}

export interface TokenVaultTable {
  id: string;
  key_type: 'ServiceManagedKey' | 'CustomerManagedKey';
  kms_key_arn: string | null;
  updated_at: Timestamp;
}

export type SecretSource = 'MANAGED' | 'EXTERNAL';

export interface ApiKeyProvidersTable {
  name: string;
  secret_arn: string;
  secret_json_key: string;
  secret_source: SecretSource;
  tags: Json<Record<string, string>>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface Oauth2ProvidersTable {
  name: string;
  vendor: string;
  config: Json<Record<string, unknown>>;
  secret_arn: string;
  secret_json_key: string;
  secret_source: SecretSource;
  callback_id: string;
  tags: Json<Record<string, string>>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type SessionStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

export interface AuthSessionsTable {
  id: string;
  state_hash: string;
  workload_name: string;
  provider_name: string;
  user_hash: string;
  connection_id: string;
  scopes: Json<string[]>;
  return_url: string;
  secrets_sealed: string;
  callback_sealed: string | null;
  kek_id: string;
  state_used: Generated<boolean>;
  status: SessionStatus;
  failure_reason: string | null;
  created_at: Generated<Timestamp>;
  expires_at: Timestamp;
  portal_id: string | null;
  requested_by: string | null;
  resources: Json<string[]> | null;
  audiences: Json<string[]> | null;
  portal_decision: string | null;
}

export interface ConnectionsTable {
  id: string;
  workload_name: string;
  provider_name: string;
  user_hash: string;
  scopes: Json<string[]>;
  tokens_sealed: string;
  kek_id: string;
  expires_at: Timestamp | null;
  updated_at: Timestamp;
}

export interface ConnectionRecordsTable {
  id: string;
  workload_name: string;
  provider_name: string;
  user_hash: string;
  flow: string;
  scopes: Json<string[]>;
  state: string;
  expires_at: Timestamp | null;
  last_refresh_at: Timestamp | null;
  last_refresh_outcome: string | null;
  last_failure: string | null;
  last_used_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ConsentPortalsTable {
  id: string;
  name: string;
  description: string | null;
  idp_config: Json<{ credentialProviderArn: string; scopes: string[]; audience?: string }>;
  sources: Json<{ identifier: string; type: string }[]>;
  execution_role_arn: string | null;
  user_id_claim: string;
  status: string;
  tags: Json<Record<string, string>>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PolicyEnginesTable {
  id: string;
  name: string;
  description: string | null;
  attached_to_vault: Generated<boolean>;
  attached_workloads: Json<string[]>;
  tags: Json<Record<string, string>>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PoliciesTable {
  id: string;
  engine_id: string;
  name: string;
  description: string | null;
  statement: string;
  enforcement_mode: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ReleaseApprovalsTable {
  id: string;
  request_key: string;
  workload_name: string;
  provider_name: string;
  action: string;
  flow: string;
  user_hash: string | null;
  scopes: Json<string[]>;
  resources: Json<string[]>;
  audiences: Json<string[]>;
  caller: string;
  policies: Json<{ engine: string; policy?: string }[]>;
  approvers: Json<string[]>;
  window_seconds: number;
  portal_id: string | null;
  return_url: string | null;
  status: string;
  decided_by: string | null;
  granted_until: Timestamp | null;
  consumed_at: Timestamp | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  decided_at: Timestamp | null;
}

export interface PortalSessionsTable {
  id_hash: string;
  portal_id: string;
  user_hashes: Json<string[]>;
  created_at: Timestamp;
  last_seen_at: Timestamp;
}

export interface WebhookSubscriptionsTable {
  name: string;
  url: string;
  events: Json<string[]>;
  description: string | null;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_until: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WebhookDeliveriesTable {
  seq: Generated<number>;
  subscription_name: string;
  event_id: string;
  event_type: string;
  state: string;
  attempts: Generated<number>;
  last_status: number | null;
  last_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ExchangeSubjectsTable {
  connection_id: string;
  subject_sealed: string;
  kek_id: string;
  expires_at: Timestamp;
  updated_at: Timestamp;
}

export interface AuditEventsTable {
  /** bigint: read back as a string. */
  seq: ColumnType<string, number, never>;
  at: Timestamp;
  actor: string;
  operation: string;
  workload_name: string | null;
  resource: string | null;
  user_hash: string | null;
  outcome: string;
  detail: ColumnType<Record<string, unknown> | null, string | null, never>;
  prev_hash: string;
  hash: string;
}

export interface SecretVersionsTable {
  arn: string;
  version_id: string;
  changed_at: Timestamp;
}

export interface ServerSecretsTable {
  name: string;
  secret_sealed: string;
  kek_id: string;
  created_at: Generated<Timestamp>;
}

export interface Database {
  principals: PrincipalsTable;
  access_keys: AccessKeysTable;
  resource_policies: ResourcePoliciesTable;
  workload_identities: WorkloadIdentitiesTable;
  wat_keys: WatKeysTable;
  token_vault: TokenVaultTable;
  api_key_providers: ApiKeyProvidersTable;
  oauth2_providers: Oauth2ProvidersTable;
  auth_sessions: AuthSessionsTable;
  connections: ConnectionsTable;
  connection_records: ConnectionRecordsTable;
  consent_portals: ConsentPortalsTable;
  portal_sessions: PortalSessionsTable;
  policy_engines: PolicyEnginesTable;
  policies: PoliciesTable;
  release_approvals: ReleaseApprovalsTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  server_secrets: ServerSecretsTable;
  exchange_subjects: ExchangeSubjectsTable;
  audit_events: AuditEventsTable;
  secret_versions: SecretVersionsTable;
}
