import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import { BedrockAgentCoreControlClient } from '@aws-sdk/client-bedrock-agentcore-control';
import { readCredentialsFile } from '../../libs/auth/bootstrap-admin';
import { loadConfigWith } from '../../libs/config/config';
import { freePort } from '../../libs/local-stack/ports';
import { createLogger } from '../../libs/logging/logger';
import { startLocalStack, type LocalStack } from '../../apps/standalone/src/local-stack';
import { recordHistories } from './record-histories';
import { signedFetch } from './signed-fetch';

export interface TestStack {
  stack: LocalStack;
  dataDir: string;
  env: Record<string, string>;
  /** The AWS SDK control-plane client, signed with the bootstrap admin credentials. */
  control(credentials?: { accessKeyId: string; secretAccessKey: string }): BedrockAgentCoreControlClient;
  /** The AWS SDK data-plane client, signed with the bootstrap admin credentials. */
  data(credentials?: { accessKeyId: string; secretAccessKey: string }): BedrockAgentCoreClient;
  /** Calls one of Mandate's extension operations, signed as the AWS SDK signs; answers status and JSON body. */
  extension(
    operation: string,
    body: unknown,
  ): Promise<{ status: number; type: string | null; body: Record<string, unknown> }>;
  adminCredentials(): { accessKeyId: string; secretAccessKey: string };
  /** Points SDKs that configure themselves from the environment (`bedrock-agentcore`) at this stack, as admin. */
  pointSdkEnvironment(): void;
  stop(): Promise<void>;
  /** Stops the stack and removes its data folder. */
  destroy(): Promise<void>;
}

/** Free ports and a fresh data folder: stacks of parallel test files never meet. */
export async function testStackEnv(overrides: Record<string, string> = {}): Promise<Record<string, string>> {
  return {
    MANDATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'mandate-test-')),
    MANDATE_PORT: String(await freePort()),
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    MANDATE_LOCAL_AWS_PORT: String(await freePort()),
    MANDATE_LOCAL_KMS_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    ...overrides,
  };
}

/**
 * The whole local stack as `npm start` runs it (Temporal dev server, local Secrets Manager, local-kms,
 * API and worker), on a data folder of its own.
 */
export async function startTestStack(
  env: Record<string, string>,
  options: { worker?: boolean } = {},
): Promise<TestStack> {
  const config = loadConfigWith(env);
  const stack = await startLocalStack(config, createLogger(config.logLevel), options);
  const adminCredentials = () => {
    const credentials = readCredentialsFile(config.auth.adminCredentialsFile);
    if (!credentials) throw new Error('admin credentials file is missing');
    return credentials;
  };
  return {
    stack,
    dataDir: config.dataDir,
    env,
    adminCredentials,
    control: (credentials = adminCredentials()) =>
      new BedrockAgentCoreControlClient({
        endpoint: stack.apiUrl,
        region: config.deployment.region,
        credentials,
        maxAttempts: 1,
      }),
    data: (credentials = adminCredentials()) =>
      new BedrockAgentCoreClient({
        endpoint: stack.apiUrl,
        region: config.deployment.region,
        credentials,
        maxAttempts: 1,
      }),
    async extension(operation, body) {
      const response = await signedFetch({
        url: stack.apiUrl,
        path: `/identities/${operation}`,
        body: JSON.stringify(body),
        credentials: adminCredentials(),
        region: config.deployment.region,
      });
      const text = await response.text();
      return {
        status: response.status,
        type: response.headers.get('x-amzn-errortype'),
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      };
    },
    pointSdkEnvironment() {
      const admin = adminCredentials();
      Object.assign(process.env, {
        AWS_REGION: config.deployment.region,
        AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: stack.apiUrl,
        AWS_ACCESS_KEY_ID: admin.accessKeyId,
        AWS_SECRET_ACCESS_KEY: admin.secretAccessKey,
      });
    },
    stop: () => stack.stop(),
    async destroy() {
      const recordTo = process.env.MANDATE_RECORD_HISTORIES;
      // A test that stopped Temporal on purpose leaves nothing to record; the stack stops regardless.
      if (recordTo)
        await recordHistories(stack.runtime.temporal, stack.runtime.payloadCodec, recordTo).catch(
          (err: Error) => process.stderr.write(`histories not recorded: ${err.message}\n`),
        );
      await stack.stop();
      rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}
