import { ConfigError, loadConfig } from '../../../libs/config/config';
import { createLogger } from '../../../libs/logging/logger';
import { openRuntime, temporalAddress } from '../../../libs/runtime/runtime';
import { connectWorker } from '../../../libs/temporal/connection';
import { serveMetrics } from '../../../libs/metrics/metrics-server';
import { createWorker } from './create-worker';

/**
 * The worker alone (`npm run start:worker`): no HTTP but its metrics listener, stops on SIGTERM after
 * in-flight tasks.
 */
async function main() {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const runtime = await openRuntime(config, log, 'worker');
  const connection = await connectWorker(config.temporal, temporalAddress(config), log);
  const worker = await createWorker(runtime, connection);
  const metrics = await serveMetrics(runtime.metrics, {
    ...config.metrics.worker,
    ...(config.metrics.token ? { token: config.metrics.token } : {}),
  });
  process.once('SIGTERM', () => worker.shutdown());
  process.once('SIGINT', () => worker.shutdown());
  log.info({ taskQueue: config.temporal.taskQueue, metrics: metrics.url }, 'Mandate worker running');
  await worker.run();
  await metrics.close();
  await connection.close();
  await runtime.close();
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${err instanceof ConfigError ? err.message : String((err as Error)?.stack ?? err)}\n`,
  );
  process.exit(1);
});
