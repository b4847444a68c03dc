import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { Config } from '../../../libs/config/config';
import { startLocalKms, type LocalKms } from '../../../libs/local-stack/local-kms';
import { assertPortFree } from '../../../libs/local-stack/ports';
import {
  startTemporalDevServer,
  type TemporalDevServer,
} from '../../../libs/local-stack/temporal-dev-server';
import { startTemporalUiServer, type TemporalUiServer } from '../../../libs/local-stack/temporal-ui-server';
import type { Logger } from '../../../libs/logging/logger';
import {
  ensureAdmin,
  moveLegacyConnections,
  openRuntime,
  temporalAddress,
  type Runtime,
} from '../../../libs/runtime/runtime';
import { connectWorker } from '../../../libs/temporal/connection';
import { startLocalAws, type LocalAws } from '../../aws-local/src/server';
import { createApi } from '../../api/src/create-api';
import { createWorker } from '../../worker/src/create-worker';

export interface LocalStack {
  config: Config;
  runtime: Runtime;
  apiUrl: string;
  temporalUiUrl?: string;
  /** The dev server this stack started, if it started one. */
  temporalDevServer?: TemporalDevServer;
  /** Settles when the worker stops, by shutdown or by failure. */
  workerDone: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Everything in one process tree: the Temporal dev server, the local Secrets Manager endpoint
 * (apps/aws-local) and the local KMS (local-kms) unless the configuration points at real ones, then
 * the API and the worker on one runtime. Used by `npm start` and by the tests that need the whole stack.
 */
export async function startLocalStack(
  config: Config,
  log: Logger,
  /** `worker: false` leaves the task queue to workers in other processes (fault tests). */
  options: { worker?: boolean } = {},
): Promise<LocalStack> {
  await assertPortFree(config.http.port, 'Mandate API', 'MANDATE_PORT');
  const started: { temporal?: TemporalDevServer; ui?: TemporalUiServer; aws?: LocalAws; kms?: LocalKms } = {};
  let runtime: Runtime | undefined;
  let app: NestFastifyApplication | undefined;
  let worker: Worker | undefined;
  let connection: NativeConnection | undefined;
  let workerDone: Promise<void> = Promise.resolve();

  const stop = async () => {
    await app?.close();
    if (worker && worker.getState() === 'RUNNING') worker.shutdown();
    await workerDone.catch(() => undefined);
    await connection?.close();
    await runtime?.close();
    await started.ui?.process.stop();
    await started.temporal?.process.stop();
    await started.aws?.close();
    await started.kms?.process.stop();
  };

  try {
    let effective = config;
    // An endpoint for both services (MANDATE_AWS_ENDPOINT_URL) also serves KMS, as it always has.
    if (!config.aws.endpoint && !config.aws.kmsEndpoint) {
      started.kms = await startLocalKms({
        dataDir: config.dataDir,
        port: config.aws.localKmsPort,
        region: config.deployment.region,
        accountId: config.deployment.accountId,
      });
      effective = { ...effective, aws: { ...effective.aws, kmsEndpoint: started.kms.url } };
    }
    if (!config.aws.endpoint) {
      await assertPortFree(config.aws.localPort, 'local Secrets Manager', 'MANDATE_LOCAL_AWS_PORT');
      started.aws = await startLocalAws({
        port: config.aws.localPort,
        stateFile: join(config.dataDir, 'aws-local.json'),
        ...config.deployment,
      });
      effective = { ...effective, aws: { ...effective.aws, endpoint: started.aws.url } };
    }
    if (!config.temporal.address) {
      started.temporal = await startTemporalDevServer({
        dataDir: config.dataDir,
        port: config.temporal.devServer.port,
        namespace: config.temporal.namespace,
      });
      started.ui = await startTemporalUiServer({
        dataDir: config.dataDir,
        port: config.temporal.devServer.uiPort,
        temporalAddress: started.temporal.address,
        namespace: config.temporal.namespace,
        codecEndpoint: `${config.http.publicUrl}/codec`,
      });
      effective = { ...effective, temporal: { ...effective.temporal, address: started.temporal.address } };
    }

    runtime = await openRuntime(effective, log);
    await ensureAdmin(runtime);
    await moveLegacyConnections(runtime);
    if (options.worker !== false) {
      connection = await connectWorker(effective.temporal, temporalAddress(effective), log);
      worker = await createWorker(runtime, connection);
      workerDone = worker.run();
    }
    app = await createApi(runtime);
    await app.listen({ host: effective.http.host, port: effective.http.port });

    return {
      config: effective,
      runtime,
      apiUrl: effective.http.publicUrl,
      temporalUiUrl: started.ui?.url,
      temporalDevServer: started.temporal,
      workerDone,
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
