import { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import { BedrockAgentCoreControlClient } from '@aws-sdk/client-bedrock-agentcore-control';
import type { ManagedProcess } from '../../libs/local-stack/child-process';
import { startTemporalCluster, type TemporalCluster } from '../../libs/local-stack/temporal-cluster';
import { startApiProcess } from './api-process';
import { startPostgres, type TestPostgres } from './postgres';
import { startTestStack, testStackEnv, type TestStack } from './stack';
import { startWorkerProcess } from './worker-process';

/** One API replica: its URL, its SDK clients (admin credentials), and its process (absent for the first, in-process one). */
export interface Replica {
  url: string;
  data: BedrockAgentCoreClient;
  control: BedrockAgentCoreControlClient;
  process?: ManagedProcess;
}

export interface ScaleOut {
  postgres: TestPostgres;
  cluster: TemporalCluster;
  /** The first replica's stack: the local Secrets Manager and KMS, admin credentials, the data folder. */
  test: TestStack;
  replicas: Replica[];
  workers: ManagedProcess[];
  startWorker(name: string): Promise<ManagedProcess>;
  stop(): Promise<void>;
}

/**
 * The production topology on one machine: the Temporal server on PostgreSQL, one PostgreSQL vault,
 * `apis` API replicas (the first in this process, the others `npm run start:api` processes) and
 * `workers` worker processes. Every replica has the same public URL, the first one's, as behind a
 * load balancer: the IdP's redirects come back there.
 */
export async function startScaleOut(
  options: { apis: number; workers: number; env?: Record<string, string> } = { apis: 3, workers: 2 },
): Promise<ScaleOut> {
  // Started in order; on a failure part-way, what was started is stopped again.
  const started: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
  };
  try {
    const postgres = await startPostgres();
    started.push(() => postgres.stop());
    const pg = new URL(postgres.url);
    const env = await testStackEnv({
      DATABASE_URL: postgres.url,
      MANDATE_ALLOW_PRIVATE_NETWORK_URLS: 'true',
      ...options.env,
    });
    const cluster = await startTemporalCluster({
      dataDir: env.MANDATE_DATA_DIR!,
      database: { host: pg.hostname, port: Number(pg.port), user: decodeURIComponent(pg.username) },
    });
    started.push(() => cluster.process.stop());
    const test = await startTestStack({ ...env, TEMPORAL_ADDRESS: cluster.address }, { worker: false });
    started.push(() => test.destroy());
    const clients = (url: string) => {
      const settings = {
        endpoint: url,
        region: test.stack.config.deployment.region,
        credentials: test.adminCredentials(),
        maxAttempts: 1,
      };
      return {
        data: new BedrockAgentCoreClient(settings),
        control: new BedrockAgentCoreControlClient(settings),
      };
    };
    const replicas: Replica[] = [{ url: test.stack.apiUrl, ...clients(test.stack.apiUrl) }];
    for (let i = 2; i <= options.apis; i += 1) {
      const api = await startApiProcess(test, `api-${i}`);
      replicas.push({ url: api.url, ...clients(api.url), process: api.process });
    }
    started.push(async () => {
      for (const replica of replicas) await replica.process?.stop().catch(() => undefined);
    });
    // Each worker serves its own /metrics, on a port startWorkerProcess picks.
    const startWorker = (name: string) => startWorkerProcess(test, name);
    const workers: ManagedProcess[] = [];
    started.push(async () => {
      for (const worker of workers) await worker.stop().catch(() => undefined);
    });
    for (let i = 1; i <= options.workers; i += 1) workers.push(await startWorker(`worker-${i}`));
    return { postgres, cluster, test, replicas, workers, startWorker, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
