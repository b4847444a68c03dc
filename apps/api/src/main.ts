import 'reflect-metadata';
import { ConfigError, loadConfig } from '../../../libs/config/config';
import { createLogger } from '../../../libs/logging/logger';
import { ensureAdmin, moveLegacyConnections, openRuntime } from '../../../libs/runtime/runtime';
import { createApi } from './create-api';

/** The API alone, for deployments that run the worker in its own process (`npm run start:api`). */
async function main() {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const runtime = await openRuntime(config, log, 'api');
  await ensureAdmin(runtime);
  await moveLegacyConnections(runtime);
  const app = await createApi(runtime);
  await app.listen({ host: config.http.host, port: config.http.port });
  log.info({ url: config.http.publicUrl }, 'Mandate API listening');
  const stop = async () => {
    await app.close();
    await runtime.close();
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${err instanceof ConfigError ? err.message : String((err as Error)?.stack ?? err)}\n`,
  );
  process.exit(1);
});
