import { createServer, type Server } from 'node:http';
import Fastify from 'fastify';
import { freePort } from '../libs/local-stack/ports';

/** A JSON answer the size of a real token response. */
const ANSWER = JSON.stringify({ accessToken: 'x'.repeat(900) });

/** The floor for the hot path: a bare node:http endpoint that reads a JSON body and answers JSON. */
export async function startBareNodeHttp(): Promise<{ origin: string; close(): Promise<void> }> {
  const port = await freePort();
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      JSON.parse(body);
      response.writeHead(200, { 'content-type': 'application/json' }).end(ANSWER);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The same on bare Fastify, the HTTP layer Mandate's API runs on. */
export async function startBareFastify(): Promise<{ origin: string; close(): Promise<void> }> {
  const port = await freePort();
  const app = Fastify();
  app.post('/*', async (_request, reply) => reply.type('application/json').send(ANSWER));
  await app.listen({ port, host: '127.0.0.1' });
  return { origin: `http://127.0.0.1:${port}`, close: () => app.close() };
}
