import { readFileSync } from 'node:fs';
import { Client, Connection, type ClientPlugin, type ConnectionOptions } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { Config } from '../config/config';
import type { Logger } from '../logging/logger';
import { installWorkerLogging } from './worker-logging';

function tlsOptions(temporal: Config['temporal']) {
  if (!temporal.tls) return undefined;
  return {
    ...(temporal.tlsCaPath ? { serverRootCACertificate: readFileSync(temporal.tlsCaPath) } : {}),
    ...(temporal.tlsCertPath && temporal.tlsKeyPath
      ? {
          clientCertPair: { crt: readFileSync(temporal.tlsCertPath), key: readFileSync(temporal.tlsKeyPath) },
        }
      : {}),
  };
}

function connectionOptions(temporal: Config['temporal'], address: string): ConnectionOptions {
  const tls = tlsOptions(temporal);
  return { address, ...(tls ? { tls } : {}), ...(temporal.apiKey ? { apiKey: temporal.apiKey } : {}) };
}

/**
 * A Temporal client for the API. The connection is lazy, so the API starts (and reports the problem
 * on /health) while Temporal is still coming up.
 */
export function createTemporalClient(
  temporal: Config['temporal'],
  address: string,
  codec: PayloadCodec,
  plugins: ClientPlugin[] = [],
): Client {
  const connection = Connection.lazy(connectionOptions(temporal, address));
  return new Client({
    connection,
    namespace: temporal.namespace,
    dataConverter: { payloadCodecs: [codec] },
    plugins,
  });
}

export function connectWorker(
  temporal: Config['temporal'],
  address: string,
  log: Logger,
): Promise<NativeConnection> {
  installWorkerLogging(log);
  const options: NativeConnectionOptions = connectionOptions(temporal, address) as NativeConnectionOptions;
  return NativeConnection.connect(options);
}

/** Resolves when the Temporal frontend answers within the timeout. */
export async function pingTemporal(client: Client, timeoutMs = 2_000): Promise<void> {
  await client.connection.withDeadline(Date.now() + timeoutMs, () =>
    client.workflowService.getSystemInfo({}),
  );
}
