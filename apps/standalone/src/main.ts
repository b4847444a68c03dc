import 'reflect-metadata';
import { loadConfig } from '../../../libs/config/config';
import { createLogger } from '../../../libs/logging/logger';
import { exitOnStartFailure, runInForeground } from './foreground';
import { startLocalStack } from './local-stack';

/** `npm start`: the whole service on embedded defaults, in the foreground until Ctrl-C. */
async function main() {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  process.stdout.write(`Starting Mandate (data in ${config.dataDir}) ...\n`);
  const stack = await startLocalStack(config, log);
  const lines = [
    '',
    'Mandate is running.',
    `  API (AgentCore Identity endpoint)  ${stack.apiUrl}`,
    `  Health                             ${stack.apiUrl}/health`,
    stack.temporalUiUrl ? `  Temporal Web UI                    ${stack.temporalUiUrl}` : undefined,
    `  Temporal                           ${stack.config.temporal.address} (namespace ${stack.config.temporal.namespace})`,
    `  Vault database                     ${stack.config.database.kind === 'pglite' ? `PGlite in ${stack.config.database.dir}` : 'PostgreSQL (DATABASE_URL)'}`,
    `  Secrets Manager                    ${stack.config.aws.endpoint ?? `AWS ${stack.config.aws.region}`}`,
    `  KMS                                ${stack.config.aws.kmsEndpoint ?? stack.config.aws.endpoint ?? `AWS ${stack.config.aws.region}`}`,
    stack.config.auth.adminCredentials
      ? '  Admin credentials                  from MANDATE_ADMIN_ACCESS_KEY_ID / MANDATE_ADMIN_SECRET_ACCESS_KEY'
      : `  Admin credentials                  ${stack.config.auth.adminCredentialsFile} (profile mandate-admin)`,
    stack.temporalUiUrl
      ? `  Decode payloads in the Temporal UI  open ${stack.apiUrl}/codec/session?token=<${stack.config.auth.codecToken ? 'MANDATE_CODEC_TOKEN' : `the token in ${stack.config.auth.codecTokenFile}`}> once in the same browser`
      : undefined,
    '',
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.filter((l) => l !== undefined).join('\n'));

  runInForeground({ name: 'Mandate', stop: () => stack.stop(), workerDone: stack.workerDone, log });
}

main().catch(exitOnStartFailure);
