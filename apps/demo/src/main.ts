import 'reflect-metadata';
import { loadConfig } from '../../../libs/config/config';
import { createLogger } from '../../../libs/logging/logger';
import { exitOnStartFailure, runInForeground } from '../../standalone/src/foreground';
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

  runInForeground({ name: 'the demo', stop: () => demo.stop(), workerDone: stack.workerDone, log });
}

main().catch(exitOnStartFailure);
