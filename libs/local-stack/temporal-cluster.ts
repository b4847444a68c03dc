import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../temporal/search-attributes';
import { ManagedProcess } from './child-process';
import { freePort } from './ports';
import { temporalAnswers } from './temporal-dev-server';
import { requireTool } from './tools';

export interface TemporalCluster {
  /** The frontend's gRPC address, for TEMPORAL_ADDRESS. */
  address: string;
  namespace: string;
  process: ManagedProcess;
  /** Stops the server and starts it again on the same databases and ports. */
  restart(): Promise<void>;
}

/** Where the server's databases live: a PostgreSQL the server's user may create databases on. */
export interface ClusterDatabase {
  host: string;
  port: number;
  user: string;
  password?: string;
}

const DATABASES = { persistence: 'temporal', visibility: 'temporal_visibility' } as const;

/**
 * The production Temporal server (`temporal-server`, every service in one process) on PostgreSQL
 * persistence and visibility, as `npm run setup:cluster` builds it: the databases are created and
 * their schemas applied by the server's own SQL tool, the server starts from a config written here,
 * and the namespace and Mandate's search attributes are registered through its API. The same steps,
 * as commands, are docker-compose.yml's `temporal-schema` and `temporal` services.
 */
export async function startTemporalCluster(options: {
  dataDir: string;
  database: ClusterDatabase;
  namespace?: string;
}): Promise<TemporalCluster> {
  const namespace = options.namespace ?? 'default';
  applySchemas(options.database);
  const ports: ServerPorts = {
    frontend: await freePort(),
    frontendHttp: await freePort(),
    frontendMembership: await freePort(),
    history: await freePort(),
    historyMembership: await freePort(),
    matching: await freePort(),
    matchingMembership: await freePort(),
    worker: await freePort(),
    workerMembership: await freePort(),
    metrics: await freePort(),
  };
  const configFile = join(options.dataDir, 'temporal-cluster', 'config.yaml');
  mkdirSync(dirname(configFile), { recursive: true });
  const dynamicConfigFile = join(dirname(configFile), 'dynamicconfig.yaml');
  writeFileSync(dynamicConfigFile, DYNAMIC_CONFIG);
  writeFileSync(configFile, serverConfig(options.database, ports, dynamicConfigFile));
  const address = `127.0.0.1:${ports.frontend}`;

  const start = () =>
    ManagedProcess.start({
      name: 'Temporal server',
      command: requireTool('temporal-server'),
      args: ['--config-file', configFile, '--allow-no-auth', 'start'],
      logFile: join(options.dataDir, 'logs', 'temporal-server.log'),
      ready: () => temporalAnswers(address),
      timeoutMs: 120_000,
    });
  const cluster: TemporalCluster = {
    address,
    namespace,
    process: await start(),
    async restart() {
      await cluster.process.stop();
      cluster.process = await start();
    },
  };
  await registerNamespace(address, namespace);
  return cluster;
}

/** `temporal-sql-tool`: create both databases (if missing), then apply every versioned schema. */
function applySchemas(database: ClusterDatabase): void {
  const sqlTool = requireTool('temporal-sql-tool');
  const schemaDir = join(dirname(requireTool('temporal-server')), 'schema');
  const connection = [
    '--plugin',
    'postgres12',
    '--ep',
    database.host,
    '-p',
    String(database.port),
    '-u',
    database.user,
    ...(database.password ? ['--pw', database.password] : []),
  ];
  const run = (db: string, args: string[]) => {
    const done = spawnSync(sqlTool, [...connection, '--db', db, ...args], { encoding: 'utf8' });
    if (done.status !== 0)
      throw new Error(`temporal-sql-tool ${args[0]} on ${db} failed: ${done.stderr || done.stdout}`);
  };
  for (const [kind, db] of Object.entries(DATABASES)) {
    const dir = kind === 'persistence' ? 'temporal' : 'visibility';
    run(db, ['create-database']);
    run(db, ['setup-schema', '-v', '0.0']);
    run(db, ['update-schema', '-d', join(schemaDir, dir, 'versioned')]);
  }
}

/** The namespace (a day's retention) and Mandate's search attributes; both kept if they exist. */
async function registerNamespace(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await connection.workflowService
      .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') })
      .catch((err: { code?: number }) => {
        if (err.code !== 6) throw err; // ALREADY_EXISTS
      });
    // The frontend learns of a new namespace on its next refresh of the namespace registry.
    const until = Date.now() + 60_000;
    for (;;) {
      try {
        await connection.operatorService.addSearchAttributes({
          namespace,
          searchAttributes: Object.fromEntries(
            Object.keys(SEARCH_ATTRIBUTES).map((name) => [
              name,
              temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
            ]),
          ),
        });
        break;
      } catch (err) {
        const code = (err as { code?: number }).code;
        if (code === 6) break; // ALREADY_EXISTS
        if (Date.now() > until) throw err;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    // Visible to list queries, which the worker and operators use.
    for (;;) {
      try {
        await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
        return;
      } catch (err) {
        if (Date.now() > until) throw err;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  } finally {
    await connection.close();
  }
}

/** Namespaces are seen within a second, so a new deployment needs no wait; the rest are defaults. */
export const DYNAMIC_CONFIG = `system.namespaceCacheRefreshInterval:
  - value: 1s
`;

/** The ports of the server's services (docker-compose.yml's are Temporal's usual ones). */
export type ServerPorts = Record<
  | 'frontend'
  | 'frontendHttp'
  | 'frontendMembership'
  | 'history'
  | 'historyMembership'
  | 'matching'
  | 'matchingMembership'
  | 'worker'
  | 'workerMembership'
  | 'metrics',
  number
>;

/** What docker-compose.yml's Temporal server listens on, in ops/temporal/config.yaml. */
export const COMPOSE_PORTS: ServerPorts = {
  frontend: 7233,
  frontendHttp: 7243,
  frontendMembership: 6933,
  history: 7234,
  historyMembership: 6934,
  matching: 7235,
  matchingMembership: 6935,
  worker: 7239,
  workerMembership: 6939,
  metrics: 8000,
};

/**
 * The server's config: one process with every service, PostgreSQL for persistence and visibility.
 * docker-compose.yml runs the same, rendered into ops/temporal/config.yaml (a test keeps them equal).
 */
export function serverConfig(
  database: ClusterDatabase,
  ports: ServerPorts,
  dynamicConfigFile: string,
  bind: 'localhost' | 'any' = 'localhost',
): string {
  const store = (name: string, maxConns: number) => `    ${name}:
      sql:
        pluginName: postgres12
        databaseName: ${name === 'default' ? DATABASES.persistence : DATABASES.visibility}
        connectAddr: "${database.host}:${database.port}"
        connectProtocol: tcp
        user: "${database.user}"
        password: "${database.password ?? ''}"
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: 1h`;
  const service = (grpc: number, membership: number, extra = '') => `    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      ${bind === 'localhost' ? 'bindOnLocalHost: true' : 'bindOnIP: 0.0.0.0'}${extra}`;
  return `log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
${store('default', 20)}
${store('visibility', 4)}
global:
  membership:
    maxJoinDuration: 30s
    # Every service runs in this one process: they reach each other on loopback.
    broadcastAddress: 127.0.0.1
  metrics:
    prometheus:
      framework: tally
      timerType: histogram
      listenAddress: "${bind === 'localhost' ? '127.0.0.1' : '0.0.0.0'}:${ports.metrics}"
services:
  frontend:
${service(ports.frontend, ports.frontendMembership, `\n      httpPort: ${ports.frontendHttp}`)}
  history:
${service(ports.history, ports.historyMembership)}
  matching:
${service(ports.matching, ports.matchingMembership)}
  worker:
${service(ports.worker, ports.workerMembership)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "127.0.0.1:${ports.frontend}"
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: "${dynamicConfigFile}"
  pollInterval: 10s
`;
}

/** docker-compose.yml's server config: the same as the tested one, on the compose network's names. */
export const composeServerConfig = () =>
  `# Rendered by scripts/render-temporal-config.ts from libs/local-stack/temporal-cluster.ts: the\n# config the scale-out suite runs the Temporal server with. Edit that, then render again.\n${serverConfig(
    { host: 'temporal-db', port: 5432, user: 'temporal', password: 'temporal' },
    COMPOSE_PORTS,
    '/etc/temporal/dynamicconfig.yaml',
    'any',
  )}`;
