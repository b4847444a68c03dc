import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { scrapeAllowed, type Metrics } from './metrics';

/**
 * A listener that serves only `GET /metrics`, for a process with no HTTP of its own (the worker).
 *
 * @example
 * const server = await serveMetrics(runtime.metrics, { host: '127.0.0.1', port: 9464 });
 * // ... on shutdown:
 * await server.close();
 */
export async function serveMetrics(
  metrics: Metrics,
  options: { host: string; port: number; token?: string },
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    if (!scrapeAllowed(options.token, request.headers.authorization)) {
      response
        .writeHead(401, {
          'content-type': 'text/plain; charset=utf-8',
          'www-authenticate': 'Bearer realm="metrics"',
        })
        .end('A bearer token is required to read the metrics.\n');
      return;
    }
    metrics.scrape().then(
      (text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(text),
      () => response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Metrics failed\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
