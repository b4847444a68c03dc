import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess } from './child-process';
import { assertPortFree } from './ports';
import { requireTool } from './tools';

export interface LocalKms {
  url: string;
  process: ManagedProcess;
}

/**
 * Runs local-kms (github.com/nsmithuk/local-kms, built by `npm run setup`), a KMS emulator Mandate
 * did not write, as the local stack's KMS. Its keys persist in `<dataDir>/local-kms` (LevelDB), and
 * their ARNs carry the deployment's region and account id, which are part of a key's identity there:
 * a data folder keeps its keys only under the same region and account.
 *
 * local-kms takes no listen address: it binds `port` on every interface, not only on loopback.
 *
 * @example
 * const kms = await startLocalKms({ dataDir: '.mandate', port: 4599, region: 'us-east-1', accountId: '000000000000' });
 * // ... kms.url === 'http://127.0.0.1:4599'
 * await kms.process.stop();
 */
export async function startLocalKms(options: {
  dataDir: string;
  port: number;
  region: string;
  accountId: string;
}): Promise<LocalKms> {
  await assertPortFree(options.port, 'local KMS', 'MANDATE_LOCAL_KMS_PORT');
  const dataPath = join(options.dataDir, 'local-kms');
  mkdirSync(dataPath, { recursive: true, mode: 0o700 });
  const url = `http://127.0.0.1:${options.port}`;
  const process = await ManagedProcess.start({
    name: 'local KMS (local-kms)',
    command: requireTool('local-kms'),
    args: [],
    // Its own settings only: the launcher's environment may hold credentials this program has no use for.
    env: {
      PORT: String(options.port),
      KMS_REGION: options.region,
      KMS_ACCOUNT_ID: options.accountId,
      KMS_DATA_PATH: dataPath,
      // Keys to create at start-up, if such a file is there; without this it would read /init/seed.yaml.
      KMS_SEED_PATH: join(options.dataDir, 'local-kms-seed.yaml'),
    },
    logFile: join(options.dataDir, 'logs', 'local-kms.log'),
    ready: () => kmsAnswers(url),
    timeoutMs: 30_000,
  });
  return { url, process };
}

/** Unsigned: local-kms checks no signatures. */
async function kmsAnswers(url: string): Promise<boolean> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' },
    body: '{}',
    signal: AbortSignal.timeout(1_000),
  });
  return response.ok;
}
