import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetWorkloadAccessTokenCommand } from '@aws-sdk/client-bedrock-agentcore';
import {
  CreateApiKeyCredentialProviderCommand,
  CreateWorkloadIdentityCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import type { StoredAuditEvent } from '../../libs/audit/audit-log';
import { signedHeaders } from '../helpers/signed-fetch';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

/**
 * The data plane is served by node:http directly for the requests agents send (a JSON body of a
 * declared length) and by Fastify for any other shape of the same call (a content type with
 * parameters, a chunked body). Whichever serves it, a call is answered, refused and audited alike.
 */
const SHAPES = {
  'as the AWS SDK sends it': { contentType: 'application/json', chunked: false },
  'with a charset parameter': { contentType: 'application/json; charset=utf-8', chunked: false },
  'with a chunked body': { contentType: 'application/json', chunked: true },
} as const;
type Shape = (typeof SHAPES)[keyof typeof SHAPES];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('the lean data plane and Fastify answer the same call the same way', () => {
  let test: TestStack;
  let wat: string;

  /** GetResourceApiKey in one shape; `spoil` changes the request after signing. */
  const call = async (shape: Shape, body: string, spoil?: (headers: Record<string, string>) => void) => {
    const headers = await signedHeaders({
      url: test.stack.apiUrl,
      path: '/identities/api-key',
      body,
      credentials: test.adminCredentials(),
      region: test.stack.config.deployment.region,
      contentType: shape.contentType,
    });
    spoil?.(headers);
    const bytes = new TextEncoder().encode(body);
    const response = await fetch(new URL('/identities/api-key', test.stack.apiUrl), {
      method: 'POST',
      headers,
      body: shape.chunked
        ? new ReadableStream({
            start(controller) {
              controller.enqueue(bytes);
              controller.close();
            },
          })
        : bytes,
      ...(shape.chunked ? { duplex: 'half' } : {}),
    });
    const requestId = response.headers.get('x-amzn-requestid') ?? '';
    assert.match(requestId, UUID);
    assert.ok(Math.abs(Date.parse(response.headers.get('date') ?? '') - Date.now()) < 60_000);
    return {
      status: response.status,
      type: response.headers.get('x-amzn-errortype'),
      contentType: response.headers.get('content-type'),
      body: (await response.json()) as Record<string, unknown>,
      requestId,
    };
  };
  const answersOf = (body: string, spoil?: (headers: Record<string, string>) => void) =>
    Promise.all(Object.values(SHAPES).map((shape) => call(shape, body, spoil)));
  const withoutIds = (answer: Awaited<ReturnType<typeof call>>) => ({ ...answer, requestId: undefined });

  before(async () => {
    test = await startTestStack(await testStackEnv());
    const control = test.control();
    await control.send(new CreateWorkloadIdentityCommand({ name: 'plane-agent' }));
    await control.send(new CreateApiKeyCredentialProviderCommand({ name: 'search', apiKey: 'sk-plane' }));
    wat = (await test.data().send(new GetWorkloadAccessTokenCommand({ workloadName: 'plane-agent' })))
      .workloadAccessToken!;
  });
  after(async () => {
    await test?.destroy();
  });

  it('serves, refuses and audits each call alike in every shape', async () => {
    const body = JSON.stringify({ workloadIdentityToken: wat, resourceCredentialProviderName: 'search' });
    const served = await answersOf(body);
    for (const answer of served) {
      assert.deepEqual(withoutIds(answer), {
        status: 200,
        type: null,
        contentType: 'application/json; charset=utf-8',
        body: { apiKey: 'sk-plane' },
        requestId: undefined,
      });
    }
    assert.equal(new Set(served.map((answer) => answer.requestId)).size, served.length);

    const tampered = await answersOf(body, (headers) => {
      headers.authorization = headers.authorization!.replace(/Signature=\w{8}/, 'Signature=00000000');
    });
    const malformed = await answersOf('{"workloadIdentityToken": ');
    const unknown = await answersOf(
      JSON.stringify({ workloadIdentityToken: wat, resourceCredentialProviderName: 'nope' }),
    );
    for (const [label, answers, status, type] of [
      ['tampered signature', tampered, 403, 'InvalidSignatureException'],
      ['malformed JSON', malformed, 400, 'ValidationException'],
      ['unknown provider', unknown, 404, 'ResourceNotFoundException'],
    ] as const) {
      const [first, ...others] = answers.map(withoutIds);
      assert.equal(first!.status, status, label);
      assert.equal(first!.type, type, label);
      assert.equal(first!.contentType, 'application/json; charset=utf-8', label);
      for (const other of others) assert.deepEqual(other, first, label);
    }
    assert.equal(malformed[0]!.body.reason, 'CannotParse');

    // One event per answered operation, in whichever shape it came; a body that never parsed named
    // no operation, as before.
    const events = (await test.extension('ListAuditEvents', { maxResults: 1000 })).body
      .events as StoredAuditEvent[];
    const outcomes = events
      .filter((event) => event.operation === 'GetResourceApiKey')
      .map((event) => event.outcome);
    const count = (outcome: string) => outcomes.filter((seen) => seen === outcome).length;
    assert.equal(count('Success'), 3);
    assert.equal(count('InvalidSignatureException'), 3);
    assert.equal(count('ResourceNotFoundException'), 3);
    assert.equal(outcomes.length, 9);
  });
});
