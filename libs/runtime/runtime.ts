import { sql } from 'kysely';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Client } from '@temporalio/client';
import { AuditLog } from '../audit/audit-log';
import { TtlCache } from '../cache/ttl-cache';
import { ConnectionRecordsRepository } from '../vault/connection-records.repository';
import { ConnectionsRepository } from '../vault/connections.repository';
import { SessionsRepository } from '../consent/sessions.repository';
import { ExchangeSubjectsRepository } from '../vault/exchange-subjects.repository';
import { rekeyLegacyConnections } from '../consent/legacy-user-hashes';
import { UserKeys } from '../consent/user-key';
import { ApiKeyProvidersRepository } from '../providers/api-key-providers.repository';
import { Oauth2ProvidersRepository } from '../providers/oauth2-providers.repository';
import { WorkloadIdentitiesRepository } from '../workload-identities/workload-identities.repository';
import { bootstrapAdmin } from '../auth/bootstrap-admin';
import { JwtVerifier } from '../auth/jwt.verifier';
import { WatKeyRing } from '../auth/wat-keys';
import { WorkloadAccessTokens } from '../auth/workload-access-token';
import { allowsPlainHttp, createOutboundFetch } from '../net/outbound-fetch';
import { OAuthClients } from '../oauth/oauth-client';
import { compilePolicy } from '../auth/iam-policy';
import { KNOWN_OPERATIONS } from '../auth/operations';
import { PrincipalsRepository } from '../auth/principals.repository';
import { ResourcePoliciesRepository } from '../auth/resource-policies.repository';
import { SessionCredentials } from '../auth/temporary-credentials';
import { loadServerSecret } from '../vault/server-secrets';
import type { Config } from '../config/config';
import { migrateToLatest, openDatabase, type VaultDb } from '../db/database';
import { localFeed, PostgresChangeFeed, type ChangeFeed } from '../cache/change-feed';
import type { Logger } from '../logging/logger';
import { createKmsClient, createSecretsManagerClient } from '../aws/clients';
import { createTemporalClient } from '../temporal/connection';
import { startTracing, type Tracing } from '../tracing/tracing';
import { WebhooksRepository } from '../webhooks/webhooks.repository';
import { ConsentPortalsRepository } from '../portal/consent-portals.repository';
import { ReleaseApprovalsRepository } from '../approvals/release-approvals.repository';
import { PortalSessions } from '../portal/portal-sessions';
import { ConnectionUse } from '../vault/connection-use';
import { PolicyEnginesRepository } from '../policy/policy-engines.repository';
import { ReleasePolicy } from '../policy/release-policy';
import { type AesGcmPayloadCodec, loadPayloadCodec } from '../temporal/payload-codec';
import { Envelope } from '../vault/envelope';
import { rewrapSealedValues } from '../vault/rewrap';
import { TokenVaultKeys } from '../vault/token-vault';
import { SecretStore } from '../secrets/secret-store';
import { SecretVersionsRepository } from '../secrets/secret-versions.repository';
import { LocalKeyEncryptionKey } from '../vault/key-encryption-key';
import { Metrics, type ProcessRole } from '../metrics/metrics';

/** The shared resources of a Mandate process: the API and the worker are built on top of these. */
export interface Runtime {
  config: Config;
  log: Logger;
  db: VaultDb;
  envelope: Envelope;
  secretsManager: SecretsManagerClient;
  temporal: Client;
  /** Encrypts every Temporal payload; shared by the client, the worker and the codec endpoint. */
  payloadCodec: AesGcmPayloadCodec;
  /** The fetch for every URL fetched on someone's say-so (IdPs), behind the SSRF guard. */
  outboundFetch: typeof fetch;
  vaultKeys: TokenVaultKeys;
  secrets: SecretStore;
  /** Re-wraps sealed values not yet under the vault's current key; logs, never throws. */
  rewrapVault(): Promise<void>;
  jwtVerifier: JwtVerifier;
  oauth: OAuthClients;
  workloadAccessTokens: WorkloadAccessTokens;
  /** Keyed user hashes (an HMAC with a server secret sealed in the vault). */
  userKeys: UserKeys;
  /** People signed in to consent portals. */
  portalSessions: PortalSessions;
  /** Cedar's decision on every token and API key release. */
  releasePolicy: ReleasePolicy;
  /** When each connection was last used (noted on the hot path, written in batches). */
  connectionUse: ConnectionUse;
  /**
   * The repositories the API serves from, built once. Principals, workload identities, OAuth2
   * providers and connections read through the hot path's caches (`MANDATE_CACHE_TTL_SECONDS`); each
   * drops what this process changes, and tells the other processes on the same PostgreSQL, which
   * drop it too (ChangeFeed; the TTL bounds a lost notice). Activities build their own, uncached: a
   * refresh must read what is stored now.
   */
  repositories: Repositories;
  /**
   * For those uncached repositories: a cache that keeps nothing, whose changes still reach the other
   * processes (a refresh by a worker is served at once by every API replica).
   */
  announcing<V>(name: string): TtlCache<string, V | undefined>;
  /** Issues and opens the temporary credentials of principals assumed with a web identity. */
  sessionCredentials: SessionCredentials;
  /** The append-only, hash-chained record of every operation and of the service's own token work. */
  audit: AuditLog;
  /** This process's Prometheus metrics (served at the API's `/metrics`, and by the worker's own listener). */
  metrics: Metrics;
  /** OpenTelemetry, when OTEL_* turns it on. */
  tracing: Tracing | undefined;
  close(): Promise<void>;
}

export interface Repositories {
  principals: PrincipalsRepository;
  resourcePolicies: ResourcePoliciesRepository;
  workloadIdentities: WorkloadIdentitiesRepository;
  oauth2Providers: Oauth2ProvidersRepository;
  apiKeyProviders: ApiKeyProvidersRepository;
  connections: ConnectionsRepository;
  /** Operators' view of the connections (state, last renewal; never a token). */
  connectionRecords: ConnectionRecordsRepository;
  webhooks: WebhooksRepository;
  exchangeSubjects: ExchangeSubjectsRepository;
  sessions: SessionsRepository;
  consentPortals: ConsentPortalsRepository;
  policyEngines: PolicyEnginesRepository;
  releaseApprovals: ReleaseApprovalsRepository;
}

/** The Temporal frontend to use: the configured one, else the local dev server's. */
export function temporalAddress(config: Config): string {
  return config.temporal.address ?? `127.0.0.1:${config.temporal.devServer.port}`;
}

const RELEASE_POLICY_TOPIC = 'release_policy';

/** Several processes share a PostgreSQL vault and hear of each other's changes; PGlite is one process. */
async function changeFeed(config: Config, db: VaultDb, log: Logger): Promise<ChangeFeed> {
  if (config.database.kind !== 'postgres') return localFeed;
  return PostgresChangeFeed.start(
    config.database.url,
    (channel, payload) => sql`select pg_notify(${channel}, ${payload})`.execute(db),
    log,
  );
}

/** Stored policies were checked when written: compiling one again cannot fail on its grammar. */
const compileStoredPolicy = (document: unknown) => compilePolicy(document, KNOWN_OPERATIONS);

/** Resource policies of this deployment: its account stands for all its principals. */
export const resourcePolicyKind = (config: Config) =>
  ({ kind: 'resource', accountId: config.deployment.accountId }) as const;

/**
 * Opens the database (running migrations), the vault key, and the clients of Temporal and Secrets
 * Manager.
 */
export async function openRuntime(
  config: Config,
  log: Logger,
  role: ProcessRole = 'standalone',
): Promise<Runtime> {
  // First, so the HTTP instrumentation is in place before any client or server is made.
  const tracing = await startTracing(config.tracing);
  const metrics = new Metrics({ role, processMetrics: true });
  // The data folder holds the vault key and the admin credentials: owner only.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const db = openDatabase(config.database);
  try {
    await migrateToLatest(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  const kms = createKmsClient(config.aws);
  const vaultKeys = new TokenVaultKeys(
    db,
    LocalKeyEncryptionKey.fromFile(join(config.dataDir, 'vault.key')),
    kms,
  );
  await vaultKeys.load();
  const envelope = new Envelope(vaultKeys);
  const rewrapVault = async () => {
    try {
      const count = await rewrapSealedValues(db, envelope);
      if (count > 0)
        log.info({ count, kekId: envelope.currentKeyId() }, 'vault values re-wrapped under the current key');
    } catch (err) {
      log.error({ err }, 'vault re-wrap failed; values stay readable under their previous key');
    }
  };
  // Every replica follows the stored key choice and finishes any re-wrap a stopped process left.
  const vaultTimer = setInterval(() => {
    void vaultKeys
      .load()
      .then(rewrapVault)
      .catch((err: unknown) => log.error({ err }, 'token vault settings could not be read'));
  }, config.vault.refreshMs);
  vaultTimer.unref();
  const feed = await changeFeed(config, db, log);
  const cacheOptions = { ttlMs: config.cache.ttlMs, maxEntries: 10_000 };
  const caches: TtlCache<string, unknown>[] = [];
  /** A hot-path cache whose changes every other process on this database is told of (ChangeFeed). */
  const cached = <V>(name: string) => {
    const cache = new TtlCache<string, V | undefined>({
      ...cacheOptions,
      observe: metrics.cacheObserver(name),
      deleted: (key) => feed.publish(name, key),
    });
    feed.subscribe(name, (key) => cache.evict(key));
    caches.push(cache);
    return cache;
  };
  feed.onMissed(() => {
    for (const cache of caches) cache.clear();
    releasePolicy.forget();
  });
  const repositories: Repositories = {
    principals: new PrincipalsRepository(
      db,
      envelope,
      compileStoredPolicy,
      cached('access_keys'),
      cached('sessions'),
    ),
    resourcePolicies: new ResourcePoliciesRepository(
      db,
      (document) => compilePolicy(document, KNOWN_OPERATIONS, resourcePolicyKind(config)),
      cached('resource_policies'),
    ),
    workloadIdentities: new WorkloadIdentitiesRepository(db, cached('workload_identities')),
    oauth2Providers: new Oauth2ProvidersRepository(db, cached('oauth2_providers')),
    apiKeyProviders: new ApiKeyProvidersRepository(db, cached('api_key_providers')),
    connections: new ConnectionsRepository(db, envelope, cached('connections')),
    connectionRecords: new ConnectionRecordsRepository(db),
    webhooks: new WebhooksRepository(db, envelope),
    consentPortals: new ConsentPortalsRepository(db),
    // Every write drops what the release policy compiled and decided (declared below; called later).
    policyEngines: new PolicyEnginesRepository(db, () => {
      releasePolicy.forget();
      feed.publish(RELEASE_POLICY_TOPIC, '*');
    }),
    exchangeSubjects: new ExchangeSubjectsRepository(db, envelope),
    sessions: new SessionsRepository(db, envelope),
    releaseApprovals: new ReleaseApprovalsRepository(db),
  };
  const watKeys = new WatKeyRing(db, envelope, {
    rotationMs: config.wat.rotationMs,
    maxTokenTtlMs: config.wat.ttlSeconds * 1000,
    refreshMs: config.wat.refreshMs,
  });
  await watKeys.start();
  const outboundFetch = createOutboundFetch(config.outbound);
  const secretsManager = createSecretsManagerClient(config.aws);
  const payloadCodec = await loadPayloadCodec(db, envelope);
  const userKeys = await UserKeys.load(db, envelope);
  const portalSessions = await PortalSessions.load(db, envelope, config.portal);
  const releasePolicy = new ReleasePolicy(repositories.policyEngines, config.cache.ttlMs);
  feed.subscribe(RELEASE_POLICY_TOPIC, () => releasePolicy.forget());
  const connectionUse = new ConnectionUse(repositories.connectionRecords, log);
  const sessionCredentials = new SessionCredentials(
    await loadServerSecret(db, envelope, 'session-credentials'),
  );
  const temporal = createTemporalClient(
    config.temporal,
    temporalAddress(config),
    payloadCodec,
    tracing ? [tracing.plugin] : [],
  );
  const audit = new AuditLog(db, log.child({ component: 'audit' }), metrics);
  const secrets = new SecretStore(secretsManager, {
    region: config.aws.region,
    cacheTtlMs: config.secrets.cacheTtlMs,
  });
  // Rotations found by any secret watch reach this process's cache within one interval.
  const secretVersions = new SecretVersionsRepository(db);
  const secretTimer = setInterval(() => {
    secretVersions
      .all()
      .then((current) => secrets.invalidateStale(current))
      .catch((err: unknown) => log.warn({ err }, 'secret versions could not be read'));
  }, config.secrets.watchIntervalMs);
  secretTimer.unref();
  return {
    config,
    log,
    db,
    envelope,
    repositories,
    secretsManager,
    temporal,
    payloadCodec,
    outboundFetch,
    vaultKeys,
    secrets,
    rewrapVault,
    oauth: new OAuthClients({
      fetch: outboundFetch,
      // The outbound guard decides which http URLs are fetched; openid-client must not refuse them again.
      allowInsecureRequests: allowsPlainHttp(config.outbound),
      timeCall: (provider, call, run) => metrics.timeIdpCall(provider, call, run),
    }),
    jwtVerifier: new JwtVerifier({
      fetch: outboundFetch,
      clockToleranceSeconds: config.jwt.clockToleranceSeconds,
    }),
    workloadAccessTokens: new WorkloadAccessTokens(watKeys, {
      issuer: `mandate:${config.deployment.partition}:${config.deployment.region}:${config.deployment.accountId}`,
      ttlSeconds: config.wat.ttlSeconds,
    }),
    audit,
    metrics,
    tracing,
    userKeys,
    portalSessions,
    releasePolicy,
    announcing: <V>(name: string) =>
      new TtlCache<string, V | undefined>({
        ttlMs: 0,
        maxEntries: 1,
        deleted: (key) => feed.publish(name, key),
      }),
    connectionUse,
    sessionCredentials,
    async close() {
      clearInterval(vaultTimer);
      await feed.close();
      clearInterval(secretTimer);
      await connectionUse.close();
      await audit.flush();
      await tracing?.flush();
      watKeys.stop();
      kms.destroy();
      await temporal.connection.close();
      secretsManager.destroy();
      await db.destroy();
    },
  };
}

/**
 * Moves connections stored under the unkeyed user hashes of earlier versions to the keyed ones (the
 * API's job at start, like the admin bootstrap; a worker has no use for it). Cheap when there is
 * nothing left to move.
 */
export async function moveLegacyConnections(runtime: Runtime): Promise<void> {
  const { db, userKeys, repositories, log } = runtime;
  const moved = await rekeyLegacyConnections({
    db,
    keys: userKeys,
    connections: repositories.connections,
    subjects: repositories.exchangeSubjects,
  });
  if (moved > 0) log.info({ count: moved }, 'connections moved to keyed user hashes');
}

/**
 * Makes sure the admin principal exists (the API's job; a worker never needs it), and logs where
 * its credentials come from.
 */
export async function ensureAdmin(runtime: Runtime): Promise<void> {
  const { config, log } = runtime;
  const admin = await bootstrapAdmin(runtime.repositories.principals, {
    fromEnvironment: config.auth.adminCredentials,
    credentialsFile: config.auth.adminCredentialsFile,
  });
  log.info(
    {
      accessKeyId: admin.accessKeyId,
      source: admin.source,
      ...(admin.source === 'environment' ? {} : { credentialsFile: config.auth.adminCredentialsFile }),
    },
    'admin principal ready',
  );
}
