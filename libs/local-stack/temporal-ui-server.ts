import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess } from './child-process';
import { assertPortFree } from './ports';
import { requireTool } from './tools';

export interface TemporalUiServer {
  url: string;
  process: ManagedProcess;
}

/**
 * The UI server's configuration for the local stack. The codec settings are why it runs on its own:
 * the dev server's built-in UI takes only a codec endpoint, and without `includeCredentials` the
 * browser's codec requests carry no cookie, so an operator's codec session never reaches Mandate.
 * JSON is valid YAML, which is what the UI server reads.
 */
function temporalUiConfig(options: {
  port: number;
  temporalAddress: string;
  namespace: string;
  codecEndpoint: string;
}): string {
  return `${JSON.stringify(
    {
      temporalGrpcAddress: options.temporalAddress,
      host: '127.0.0.1',
      port: options.port,
      enableUi: true,
      defaultNamespace: options.namespace,
      hideLogs: true,
      // The CSRF cookie of the UI itself, over plain http on loopback (as the dev server's UI does).
      cors: { cookieInsecure: true },
      codec: { endpoint: options.codecEndpoint, passAccessToken: false, includeCredentials: true },
    },
    null,
    2,
  )}\n`;
}

/**
 * Runs the Temporal Web UI server (the version the Temporal CLI embeds) against a Temporal frontend,
 * with the codec endpoint set and cross-origin credentials included.
 *
 * @example
 * const ui = await startTemporalUiServer({ dataDir: '.mandate', port: 8233,
 *   temporalAddress: '127.0.0.1:7233', namespace: 'default', codecEndpoint: 'http://127.0.0.1:8088/codec' });
 * // ... ui.url === 'http://127.0.0.1:8233'
 * await ui.process.stop();
 */
export async function startTemporalUiServer(options: {
  dataDir: string;
  port: number;
  temporalAddress: string;
  namespace: string;
  codecEndpoint: string;
}): Promise<TemporalUiServer> {
  await assertPortFree(options.port, 'Temporal Web UI', 'TEMPORAL_UI_PORT');
  const root = join(options.dataDir, 'temporal-ui');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'development.yaml'), temporalUiConfig(options));
  const url = `http://127.0.0.1:${options.port}`;
  const process = await ManagedProcess.start({
    name: 'Temporal Web UI',
    command: requireTool('temporal-ui-server'),
    args: ['--root', root, '--config', '.', '--env', 'development', 'start'],
    logFile: join(options.dataDir, 'logs', 'temporal-ui.log'),
    ready: async () => (await fetch(`${url}/api/v1/settings`)).ok,
    timeoutMs: 30_000,
  });
  return { url, process };
}
