import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../../libs/config/config';
import { startLocalAws } from './server';

/** The local Secrets Manager and KMS endpoint on its own (`npm run start:aws-local`). */
async function main() {
  const config = loadConfig();
  const aws = await startLocalAws({
    port: config.aws.localPort,
    stateFile: join(config.dataDir, 'aws-local.json'),
    ...config.deployment,
  });
  process.stdout.write(`Local Secrets Manager and KMS listening on ${aws.url}\n`);
  const stop = () => void aws.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${err instanceof ConfigError ? err.message : String((err as Error)?.stack ?? err)}\n`,
  );
  process.exit(1);
});
