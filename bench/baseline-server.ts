import { createServer } from 'node:http';
import Fastify from 'fastify';

/**
 * A baseline endpoint in a process of its own (`node-http` or `fastify`), so that it shares no event
 * loop with the API, the Temporal client or the IdP of the bench process: it reads the JSON body and
 * answers a JSON answer the size of a real token response. Prints its origin as one JSON line.
 */
const ANSWER = JSON.stringify({ accessToken: 'x'.repeat(900) });

async function main() {
  const kind = process.argv[2];
  if (kind === 'node-http') {
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        JSON.parse(body);
        response.writeHead(200, { 'content-type': 'application/json' }).end(ANSWER);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error('no address');
    process.stdout.write(`${JSON.stringify({ origin: `http://127.0.0.1:${address.port}` })}\n`);
  } else if (kind === 'fastify') {
    const app = Fastify();
    app.post('/*', async (_request, reply) => reply.type('application/json').send(ANSWER));
    const origin = await app.listen({ port: 0, host: '127.0.0.1' });
    process.stdout.write(`${JSON.stringify({ origin })}\n`);
  } else {
    throw new Error(`unknown baseline ${kind}`);
  }
}

void main();
