import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../temporal/search-attributes';
import { ManagedProcess } from './child-process';
import { assertPortFree } from './ports';
import { requireTool } from './tools';

export interface TemporalDevServer {
  address: string;
  process: ManagedProcess;
}

/**
 * Runs `temporal server start-dev` with SQLite persistence in `dataDir` and Mandate's search
 * attributes registered. Headless: the Web UI runs as a server of its own (`startTemporalUiServer`),
 * since the dev server's built-in UI cannot be told to send credentials to the codec endpoint.
 *
 * @example
 * const server = await startTemporalDevServer({ dataDir: '.mandate', port: 7233 });
 * // ... server.address === '127.0.0.1:7233'
 * await server.process.stop();
 */
export async function startTemporalDevServer(options: {
  dataDir: string;
  port: number;
  namespace?: string;
}): Promise<TemporalDevServer> {
  await assertPortFree(options.port, 'Temporal gRPC', 'TEMPORAL_DEV_PORT');
  const address = `127.0.0.1:${options.port}`;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--headless',
    '--db-filename',
    join(options.dataDir, 'temporal.sqlite'),
    '--log-format',
    'json',
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
  if (options.namespace && options.namespace !== 'default') args.push('--namespace', options.namespace);

  const process = await ManagedProcess.start({
    name: 'Temporal dev server',
    command: requireTool('temporal'),
    args,
    logFile: join(options.dataDir, 'logs', 'temporal.log'),
    ready: () => temporalAnswers(address),
    timeoutMs: 90_000,
  });
  return { address, process };
}

/** Whether a Temporal frontend answers at `address` (the dev server's, or the cluster's). */
export async function temporalAnswers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}
