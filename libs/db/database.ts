import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, PostgresDialect, sql, type Migration, type MigrationProvider } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { Pool } from 'pg';
import * as initial from './migrations/0001-initial';
import * as workloadAccessTokens from './migrations/0002-workload-access-tokens';
import * as credentialProviders from './migrations/0003-credential-providers';
import * as consent from './migrations/0004-consent';
import * as serverSecrets from './migrations/0005-server-secrets';
import * as tokenExchange from './migrations/0006-token-exchange';
import * as auditLog from './migrations/0007-audit-log';
import * as secretVersions from './migrations/0008-secret-versions';
import * as connectionOwners from './migrations/0009-connection-owners';
import * as principalPolicies from './migrations/0010-principal-policies';
import * as resourcePolicies from './migrations/0011-resource-policies-and-trusts';
import * as connectionRecords from './migrations/0012-connection-records';
import * as webhooks from './migrations/0013-webhooks';
import * as consentPortals from './migrations/0014-consent-portals';
import * as policyEngines from './migrations/0015-policy-engines';
import * as releaseApprovals from './migrations/0016-release-approvals';
import type { Database } from './schema';

export type VaultDb = Kysely<Database>;

export type DatabaseTarget = { kind: 'pglite'; dir: string } | { kind: 'postgres'; url: string };

/**
 * Migrations are listed here rather than read from a folder, so that a bundled or compiled build
 * finds them without touching the file system.
 */
const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-workload-access-tokens': workloadAccessTokens,
  '0003-credential-providers': credentialProviders,
  '0004-consent': consent,
  '0005-server-secrets': serverSecrets,
  '0006-token-exchange': tokenExchange,
  '0007-audit-log': auditLog,
  '0008-secret-versions': secretVersions,
  '0009-connection-owners': connectionOwners,
  '0010-principal-policies': principalPolicies,
  '0011-resource-policies-and-trusts': resourcePolicies,
  '0012-connection-records': connectionRecords,
  '0013-webhooks': webhooks,
  '0014-consent-portals': consentPortals,
  '0015-policy-engines': policyEngines,
  '0016-release-approvals': releaseApprovals,
};

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };

/**
 * Opens the vault database: embedded PGlite in a folder, or PostgreSQL at a URL. Both speak the
 * same SQL, so one Kysely schema and one set of migrations serve both.
 *
 * @example
 * const db = await openDatabase({ kind: 'pglite', dir: '.mandate/vault-db' });
 * await migrateToLatest(db);
 */
export function openDatabase(target: DatabaseTarget): VaultDb {
  if (target.kind === 'pglite') {
    mkdirSync(target.dir, { recursive: true });
    return new Kysely<Database>({ dialect: new PGliteDialect(new PGlite(target.dir)) });
  }
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new Pool({ connectionString: target.url, max: 10 }) }),
  });
}

/**
 * Applies every pending migration (or those up to `upTo`, for tests of a migration); throws with
 * the failing migration's name and cause.
 */
export async function migrateToLatest(db: VaultDb, upTo?: string): Promise<void> {
  const migrator = new Migrator({ db, provider, migrationTableName: 'mandate_migrations' });
  const { error, results } = upTo ? await migrator.migrateTo(upTo) : await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed`, { cause: error });
  }
}

/** A cheap round trip, for health checks. */
export async function pingDatabase(db: VaultDb): Promise<void> {
  await sql`select 1`.execute(db);
}

export type { Database } from './schema';
