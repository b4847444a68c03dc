import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/**
 * An HTTP receiver of webhooks on 127.0.0.1 that records every request. It answers what `answer`
 * says for the n-th request (0-based): 500 to play a receiver that is down, 200 to take the event.
 */
export async function startWebhookReceiver(answer: (n: number) => number) {
  const received: ReceivedWebhook[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const status = answer(received.length);
      received.push({ headers: request.headers, body, status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    /** The requests answered 200, in the order they came. */
    taken: () => received.filter((r) => r.status === 200),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
