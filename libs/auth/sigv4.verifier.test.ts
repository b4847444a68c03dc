import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { AuthenticationException } from '../wire/errors';
import { SigV4Verifier, type PrincipalWithSecret, type SignedRequest } from './sigv4.verifier';
import { ALLOW_ALL, compilePolicy } from './iam-policy';
import { KNOWN_OPERATIONS } from './operations';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const alice: PrincipalWithSecret = {
  accessKeyId: 'MDAKALICE00000000001',
  secretAccessKey: 'alice-secret-key-0123456789',
  name: 'alice',
  policy: compilePolicy(ALLOW_ALL, KNOWN_OPERATIONS),
  tags: {},
};

const verifier = new SigV4Verifier(
  { region: 'us-east-1', service: 'bedrock-agentcore', maxSkewSeconds: 300, now: () => NOW },
  (id) => Promise.resolve(id === alice.accessKeyId ? alice : undefined),
);

async function sign(
  options: {
    body?: string;
    secret?: string;
    date?: number;
    service?: string;
    region?: string;
    path?: string;
  } = {},
): Promise<SignedRequest> {
  const body = options.body ?? '{"name":"agent-1"}';
  const signer = new SignatureV4({
    credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: options.secret ?? alice.secretAccessKey },
    region: options.region ?? 'us-east-1',
    service: options.service ?? 'bedrock-agentcore',
    sha256: Hash.bind(null, 'sha256'),
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      hostname: 'mandate.local',
      path: options.path ?? '/identities/GetWorkloadIdentity',
      headers: { host: 'mandate.local', 'content-type': 'application/json' },
      body,
    }),
    { signingDate: new Date(options.date ?? NOW) },
  );
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: 'POST', path: signed.path, query: '', headers, body: Buffer.from(body) };
}

async function refusal(request: SignedRequest): Promise<AuthenticationException> {
  try {
    await verifier.verify(request);
  } catch (err) {
    assert.ok(err instanceof AuthenticationException);
    assert.equal(err.status, 403);
    return err;
  }
  return assert.fail('the request was accepted');
}

describe('SigV4Verifier', () => {
  it('accepts a request signed by the AWS signer and returns its principal without the secret', async () => {
    const principal = await verifier.verify(await sign());
    assert.deepEqual(principal, {
      accessKeyId: alice.accessKeyId,
      name: 'alice',
      policy: alice.policy,
      tags: {},
    });
  });

  it('accepts a clock skew inside the window and refuses one outside it', async () => {
    await verifier.verify(await sign({ date: NOW - 299_000 }));
    const stale = await refusal(await sign({ date: NOW - 301_000 }));
    assert.equal(stale.type, 'InvalidSignatureException');
    assert.match(stale.message, /^Signature expired/);
    const future = await refusal(await sign({ date: NOW + 301_000 }));
    assert.match(future.message, /^Signature expired/);
  });

  it('refuses a wrong secret, a changed body, path or header with InvalidSignatureException', async () => {
    assert.equal((await refusal(await sign({ secret: 'wrong' }))).type, 'InvalidSignatureException');
    const changedBody = await sign();
    changedBody.body = Buffer.from('{"name":"agent-2"}');
    assert.equal((await refusal(changedBody)).type, 'InvalidSignatureException');
    const changedPath = await sign();
    changedPath.path = '/identities/DeleteWorkloadIdentity';
    assert.equal((await refusal(changedPath)).type, 'InvalidSignatureException');
    const changedHeader = await sign();
    changedHeader.headers['content-type'] = 'text/plain';
    assert.equal((await refusal(changedHeader)).type, 'InvalidSignatureException');
  });

  it('refuses a declared payload hash that is not the hash of the body', async () => {
    const request = await sign();
    request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    const err = await refusal(request);
    assert.match(err.message, /x-amz-content-sha256/);
  });

  it('names the missing or malformed parts', async () => {
    const unsigned = await sign();
    delete unsigned.headers.authorization;
    assert.equal((await refusal(unsigned)).type, 'MissingAuthenticationTokenException');

    const basic = await sign();
    basic.headers.authorization = 'Basic YWxpY2U6c2VjcmV0';
    assert.equal((await refusal(basic)).type, 'IncompleteSignatureException');

    const noDate = await sign();
    delete noDate.headers['x-amz-date'];
    assert.equal((await refusal(noDate)).type, 'IncompleteSignatureException');

    // 11:60:00 would carry over to 12:00:00, the instant NOW signs for: still not a date.
    const minute60 = await sign();
    minute60.headers['x-amz-date'] = '20261122T116000Z';
    const carried = await refusal(minute60);
    assert.equal(carried.type, 'IncompleteSignatureException');
    assert.match(carried.message, /x-amz-date/);
  });

  it('accepts requests signed within the same second, and checks each one', async () => {
    const first = await sign({ body: '{"name":"agent-1"}' });
    const second = await sign({ body: '{"name":"agent-2"}' });
    assert.equal(first.headers['x-amz-date'], second.headers['x-amz-date']);
    assert.equal((await verifier.verify(first)).name, 'alice');
    assert.equal((await verifier.verify(second)).name, 'alice');
    second.body = Buffer.from('{"name":"agent-3"}');
    assert.equal((await refusal(second)).type, 'InvalidSignatureException');
  });

  it('refuses another service or region, and an unknown access key', async () => {
    const otherService = await refusal(await sign({ service: 'sts' }));
    assert.match(otherService.message, /bedrock-agentcore/);
    const otherRegion = await refusal(await sign({ region: 'eu-west-1' }));
    assert.match(otherRegion.message, /us-east-1/);
    const unknown = await sign();
    unknown.headers.authorization = String(unknown.headers.authorization).replace(
      alice.accessKeyId,
      'MDAKNOBODY0000000000',
    );
    assert.equal((await refusal(unknown)).type, 'UnrecognizedClientException');
  });

  it('never echoes the signature or the secret in its messages', async () => {
    const request = await sign({ secret: 'wrong' });
    const err = await refusal(request);
    const signature = /Signature=([0-9a-f]+)/.exec(String(request.headers.authorization))?.[1] ?? '';
    assert.ok(!err.message.includes(signature));
    assert.ok(!err.message.includes(alice.secretAccessKey));
  });
});
