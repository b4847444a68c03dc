import 'reflect-metadata';
import { ConfigError, loadConfig } from '../../../libs/config/config';
import { PortInUseError } from '../../../libs/local-stack/ports';
import { createLogger } from '../../../libs/logging/logger';
import { startDemo } from './demo';

/** `npm run demo`: Mandate with a demo identity provider and the agent's app, until Ctrl-C. */
async function main() {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  process.stdout.write(`Starting the Mandate demo (data in ${config.dataDir}) ...\n`);
  const demo = await startDemo(config, log);
  const { stack } = demo;
  const lines = [
    '',
    'The Mandate demo is running. Open this link, sign in at the demo IdP (any user name) and consent:',
    '',
    `    ${demo.app.url}`,
    '',
    'Then, in another terminal: npm run demo:agent (twice: the second run gets the token from the vault).',
    '',
    `  API                ${stack.apiUrl}`,
    stack.temporalUiUrl ? `  Temporal Web UI    ${stack.temporalUiUrl}` : undefined,
    `  Demo IdP           ${demo.idp.issuer} (in memory; for this demo only)`,
    `  Admin credentials  ${config.auth.adminCredentialsFile} (profile mandate-admin)`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.filter((l) => l !== undefined).join('\n'));

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nStopping the demo ...\n');
    await demo.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  stack.workerDone.then(
    () => void shutdown(stopping ? 0 : 1),
    (err: unknown) => {
      log.error({ err }, 'worker failed');
      void shutdown(1);
    },
  );
}

main().catch((err: unknown) => {
  const known = err instanceof ConfigError || err instanceof PortInUseError;
  process.stderr.write(`${known ? (err as Error).message : String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
