import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess } from '../../libs/local-stack/child-process';
import { freePort } from '../../libs/local-stack/ports';
import type { TestStack } from './stack';

const ROOT = join(__dirname, '..', '..');

/**
 * A Mandate worker in a process of its own (`npm run start:worker`), on the test stack's Temporal,
 * database and AWS endpoint: a process the fault tests can kill. Its `/metrics` is on a free port, so
 * it never meets another worker (a running `npm start`, the bench's) on the default 9464.
 */
export async function startWorkerProcess(
  test: TestStack,
  name: string,
  env: Record<string, string> = {},
): Promise<ManagedProcess> {
  const logFile = join(test.dataDir, 'logs', `${name}.log`);
  const { config } = test.stack;
  return ManagedProcess.start({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', join(ROOT, 'apps', 'worker', 'src', 'main.ts')],
    env: {
      ...process.env,
      ...test.env,
      TEMPORAL_ADDRESS: config.temporal.address ?? '',
      MANDATE_AWS_ENDPOINT_URL: config.aws.endpoint ?? '',
      MANDATE_AWS_ENDPOINT_URL_KMS: config.aws.kmsEndpoint ?? '',
      LOG_LEVEL: 'info',
      MANDATE_WORKER_METRICS_PORT: String(await freePort()),
      ...env,
    },
    logFile,
    ready: () =>
      Promise.resolve(
        existsSync(logFile) && readFileSync(logFile, 'utf8').includes('Mandate worker running'),
      ),
    timeoutMs: 60_000,
  });
}
