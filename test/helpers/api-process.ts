import { join } from 'node:path';
import { freePort } from '../../libs/local-stack/ports';
import { ManagedProcess } from '../../libs/local-stack/child-process';
import type { TestStack } from './stack';

const ROOT = join(__dirname, '..', '..');

/**
 * A Mandate API in a process of its own (`npm run start:api`), on the test stack's Temporal, database,
 * AWS endpoint and admin credentials, listening on a port of its own: a second replica of the API.
 * `program` replaces the API's entry point with one that wraps it (the bench's profiled API).
 */
export async function startApiProcess(
  test: TestStack,
  name: string,
  options: { env?: Record<string, string>; program?: string } = {},
): Promise<{ process: ManagedProcess; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { config } = test.stack;
  const child = await ManagedProcess.start({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', options.program ?? join(ROOT, 'apps', 'api', 'src', 'main.ts')],
    env: {
      ...process.env,
      ...test.env,
      MANDATE_PORT: String(port),
      // Replicas share the deployment's public URL (the callback URL the IdPs know).
      MANDATE_PUBLIC_URL: config.http.publicUrl,
      TEMPORAL_ADDRESS: config.temporal.address ?? '',
      MANDATE_AWS_ENDPOINT_URL: config.aws.endpoint ?? '',
      MANDATE_AWS_ENDPOINT_URL_KMS: config.aws.kmsEndpoint ?? '',
      ...options.env,
    },
    logFile: join(test.dataDir, 'logs', `${name}.log`),
    ready: async () => (await fetch(`${url}/health`)).ok,
    timeoutMs: 60_000,
  });
  return { process: child, url };
}
