import type { ManagedProcess } from '../libs/local-stack/child-process';
import { registerAgentAndIdp } from '../test/helpers/consent-flow';
import type { TestIdp } from '../test/helpers/oidc-idp';
import { startPostgres, type TestPostgres } from '../test/helpers/postgres';
import { signedHeaders } from '../test/helpers/signed-fetch';
import { startTestStack, testStackEnv, type TestStack } from '../test/helpers/stack';
import { startApiProcess } from '../test/helpers/api-process';
import { startWorkerProcess } from '../test/helpers/worker-process';
import type { LoadTarget } from './harness';

/**
 * What the benchmarks run against, as a deployment would: PostgreSQL, the Temporal dev server (SQLite),
 * the local Secrets Manager/KMS, the worker in its own process (so its memory can be read), and an
 * in-process oidc-provider as the IdP. The load goes to an API replica in its own process (`apiUrl`),
 * as `npm run start:api` runs it: the API of this process shares its event loop with the IdP, the
 * consent scenario's browserless consent and its baseline worker, which a deployment's API does not.
 */
export interface BenchEnvironment {
  test: TestStack;
  idp: TestIdp;
  worker: ManagedProcess;
  /** The API replica under load, in its own process. */
  api: ManagedProcess;
  apiUrl: string;
  /** A SigV4-signed request as the AWS SDK sends it, ready to replay (within the 5-minute skew window). */
  signed(path: string, body: unknown): Promise<LoadTarget['requests'][number]>;
  stop(): Promise<void>;
}

/** `api` runs the API replica under another entry point or environment (the profile's). */
export async function startBenchEnvironment(
  api: { program?: string; env?: Record<string, string> } = {},
): Promise<BenchEnvironment> {
  const postgres: TestPostgres = await startPostgres();
  const test = await startTestStack(
    await testStackEnv({
      DATABASE_URL: postgres.url,
      MANDATE_ALLOW_PRIVATE_NETWORK_URLS: 'true',
      MANDATE_REFRESH_SKEW_SECONDS: '4',
      MANDATE_REFRESH_JITTER_SECONDS: '2',
      LOG_LEVEL: 'error',
    }),
    { worker: false },
  );
  const worker = await startWorkerProcess(test, 'bench-worker');
  const idp = await registerAgentAndIdp(test, { clientCredentialsTtlSeconds: 20 });
  const replica = await startApiProcess(test, 'bench-api', api);
  const { config } = test.stack;
  return {
    test,
    idp,
    worker,
    api: replica.process,
    apiUrl: replica.url,
    async signed(path, body) {
      const text = JSON.stringify(body);
      const headers = await signedHeaders({
        url: replica.url,
        path,
        body: text,
        credentials: test.adminCredentials(),
        region: config.deployment.region,
      });
      return { path, headers, body: text };
    },
    async stop() {
      await replica.process.stop();
      await worker.stop();
      await test.destroy();
      await idp.stop();
      await postgres.stop();
    },
  };
}
