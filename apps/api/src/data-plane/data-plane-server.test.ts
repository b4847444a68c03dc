import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../../../libs/logging/logger';
import { AccessDeniedException } from '../../../../libs/wire/errors';
import type { OperationAccess } from '../auth/operation-access';
import type { CallAnswer, OperationCall } from '../wire/operation-call';
import type { DataPlaneServices } from './data-plane-operations';
import { DataPlaneServer } from './data-plane-server';

/** Which requests the lean data plane serves and which it leaves to Fastify (here: status 299). */
describe('DataPlaneServer', () => {
  let server: Server;
  let origin: string;
  let plane: DataPlaneServer;
  const observed: { call: OperationCall; answer: CallAnswer }[] = [];
  const checked: string[] = [];

  const access = {
    check: (operation: { name: string }, call: OperationCall) => {
      checked.push(operation.name);
      call.operation = operation.name;
      call.wat = { workloadName: 'agent' } as OperationCall['wat'];
      return call.headers['x-refuse']
        ? Promise.reject(new AccessDeniedException('refused here'))
        : Promise.resolve();
    },
  } as unknown as OperationAccess;
  const services = {
    apiKeys: { apiKey: (provider: string) => Promise.resolve({ apiKey: `key-of-${provider}` }) },
  } as unknown as DataPlaneServices;

  const post = (path: string, body: string, headers: Record<string, string> = {}, chunked = false) =>
    fetch(`${origin}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: chunked
        ? new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode(body));
              controller.close();
            },
          })
        : body,
      ...(chunked ? { duplex: 'half' } : {}),
    });
  const apiKeyBody = JSON.stringify({
    workloadIdentityToken: 'wat',
    resourceCredentialProviderName: 'search',
  });

  before(async () => {
    plane = new DataPlaneServer(
      access,
      services,
      [(call, answer) => observed.push({ call, answer })],
      createLogger('silent'),
    );
    server = createServer((request, response) => {
      if (plane.take(request, response)) return;
      request.resume();
      response.writeHead(299).end('fastify');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves a JSON call of declared length, checks it once and tells the observers', async () => {
    const response = await post('/identities/api-key', apiKeyBody);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await response.json(), { apiKey: 'key-of-search' });
    assert.deepEqual(checked, ['GetResourceApiKey']);
    const [seen] = observed.splice(0);
    assert.equal(seen!.call.id, response.headers.get('x-amzn-requestid'));
    assert.equal(seen!.call.operation, 'GetResourceApiKey');
    assert.equal(seen!.call.rawBody!.toString(), apiKeyBody);
    assert.equal(seen!.answer.status, 200);
    assert.equal(seen!.answer.errorType, undefined);
    assert.ok(seen!.answer.seconds >= 0 && seen!.answer.seconds < 60);
  });

  it('answers a refusal and a malformed body in the AWS shape, and observes both', async () => {
    const refused = await post('/identities/api-key', apiKeyBody, { 'x-refuse': '1' });
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('x-amzn-errortype'), 'AccessDeniedException');
    assert.deepEqual(await refused.json(), { message: 'refused here' });
    const malformed = await post('/identities/api-key', '{"workloadIdentityToken"');
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as { reason: string }).reason, 'CannotParse');
    const answers = observed.splice(0).map(({ call, answer }) => [call.operation, answer.errorType]);
    // The malformed body never reached the access check: it names no operation (the observers skip it).
    assert.deepEqual(answers, [
      ['GetResourceApiKey', 'AccessDeniedException'],
      [undefined, 'ValidationException'],
    ]);
  });

  it('leaves every other shape of request to Fastify', async () => {
    checked.length = 0;
    const fastify = [
      await post('/identities/api-key', apiKeyBody, { 'content-type': 'application/json; charset=utf-8' }),
      await post('/identities/api-key', apiKeyBody, { 'content-type': 'text/plain' }),
      await post('/identities/api-key', apiKeyBody, {}, true),
      await post('/identities/api-key/', apiKeyBody),
      await post('/identities/ListThings', apiKeyBody),
      await post('/identities/api-key', 'x'.repeat(1024 * 1024 + 1)),
      await fetch(`${origin}/identities/api-key`),
    ];
    for (const response of fastify) {
      assert.equal(response.status, 299);
      assert.equal(await response.text(), 'fastify');
    }
    assert.deepEqual(checked, []);
  });

  it('serves a path with a query (the signature covers it) and leaves everything to Fastify once closing', async () => {
    assert.equal((await post('/identities/api-key?x=1', apiKeyBody)).status, 200);
    plane.close();
    assert.equal((await post('/identities/api-key', apiKeyBody)).status, 299);
  });
});
