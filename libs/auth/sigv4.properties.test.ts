import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { AuthenticationException } from '../wire/errors';
import { SigV4Verifier, type PrincipalWithSecret, type SignedRequest } from './sigv4.verifier';
import { ALLOW_ALL, compilePolicy } from './iam-policy';
import { KNOWN_OPERATIONS } from './operations';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
// A fixed seed keeps runs reproducible; change it locally to explore further.
const RUNS = { numRuns: 200, seed: 20261122 };
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

type Pair = [key: string, value: string];
type QueryEncoding = 'uri-component' | 'rfc3986' | 'form';

interface Shape {
  method: string;
  path: string;
  pairs: Pair[];
  encoding: QueryEncoding;
  /** Whether a pair with an empty value is sent as `k` rather than `k=`. */
  bareEmpty: boolean;
  headers: Record<string, string>;
  body: string;
  /** Whether the signer adds x-amz-content-sha256 (the SDK default) or leaves the payload hash implicit. */
  applyChecksum: boolean;
}

/** RFC 3986 unreserved characters only, as SigV4 canonicalisation wants them. */
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The query string as a client puts it on the wire: in its own order, with its own encoding. */
function wireQuery(pairs: Pair[], encoding: QueryEncoding, bareEmpty: boolean): string {
  if (encoding === 'form') return new URLSearchParams(pairs).toString();
  const encode = encoding === 'rfc3986' ? rfc3986 : encodeURIComponent;
  return pairs.map(([k, v]) => (v === '' && bareEmpty ? encode(k) : `${encode(k)}=${encode(v)}`)).join('&');
}

/** The query as the signer takes it: repeated keys become a list. */
function signerQuery(pairs: Pair[]): Record<string, string | string[]> {
  const grouped = new Map<string, string[]>();
  for (const [k, v] of pairs) grouped.set(k, [...(grouped.get(k) ?? []), v]);
  return Object.fromEntries([...grouped].map(([k, vs]) => [k, vs.length === 1 ? vs[0]! : vs]));
}

/** Signs as an AWS SDK does, and returns the request as the server receives it. */
async function sign(shape: Shape): Promise<SignedRequest> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey },
    region: 'us-east-1',
    service: 'bedrock-agentcore',
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: shape.applyChecksum,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: shape.method,
      hostname: 'mandate.local',
      path: shape.path,
      query: signerQuery(shape.pairs),
      headers: { host: 'mandate.local', ...shape.headers },
      body: shape.body,
    }),
    { signingDate: new Date(NOW) },
  );
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    method: shape.method,
    path: shape.path,
    query: wireQuery(shape.pairs, shape.encoding, shape.bareEmpty),
    headers,
    body: Buffer.from(shape.body),
  };
}

async function refusal(request: SignedRequest): Promise<AuthenticationException> {
  try {
    await verifier.verify(request);
  } catch (err) {
    assert.ok(err instanceof AuthenticationException, String(err));
    assert.equal(err.status, 403);
    return err;
  }
  return assert.fail('the changed request was accepted');
}

const MISMATCH = 'The request signature we calculated does not match the signature you provided.';

// Generators. Text covers every Unicode plane (as graphemes, so it is always valid UTF-16) plus the
// ASCII characters that URL encoders treat differently.
const tricky = fc.constantFrom(' ', '+', '%', '&', '=', '/', '?', '#', '!', "'", '(', ')', '*', '~', '.');
const text = (minLength: number, maxLength: number) =>
  fc
    .array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 4 }), tricky), { maxLength })
    .map((parts) => parts.join(''))
    .filter((s) => s.length >= minLength);

/** A path segment as the SDK sends it (percent-encoded), never one the signer would normalise away. */
const segment = text(1, 6)
  .map(encodeURIComponent)
  .filter((s) => s !== '.' && s !== '..');
const path = fc
  .tuple(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.boolean())
  .map(([segments, trailing]) => `/${segments.join('/')}${trailing ? '/' : ''}`);

const queryKeys = fc.oneof(text(1, 4), fc.constantFrom('maxResults', 'nextToken', 'tagKeys', 'a', 'A', 'b'));
const pairs = fc.array(fc.tuple(queryKeys, fc.oneof(fc.constant(''), text(0, 4))), { maxLength: 6 });

/** Printable ASCII header values, with runs of spaces and tabs inside and around them. */
const headerValue = fc
  .array(
    fc.oneof(
      fc.constantFrom(' ', '  ', '\t', ' \t '),
      fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)) }),
    ),
    { maxLength: 6 },
  )
  .map((parts) => parts.join(''));

const shape: fc.Arbitrary<Shape> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
  path,
  pairs,
  encoding: fc.constantFrom<QueryEncoding>('uri-component', 'rfc3986', 'form'),
  bareEmpty: fc.boolean(),
  headers: fc.record({
    'content-type': fc.constantFrom('application/json', 'application/x-amz-json-1.1'),
    'x-amz-meta-note': headerValue,
    'x-mandate-trace': headerValue,
  }),
  body: fc.json(),
  applyChecksum: fc.boolean(),
});

type Edit = { kind: 'replace' | 'insert'; at: number; char: string } | { kind: 'delete'; at: number };

/** One byte replaced, inserted or deleted at a position inside `length`, characters from `alphabet`. */
const edit = (length: number, alphabet: fc.Arbitrary<string>): fc.Arbitrary<Edit> =>
  fc.oneof(
    ...(length > 0
      ? [
          fc.record({
            kind: fc.constant('replace' as const),
            at: fc.nat({ max: length - 1 }),
            char: alphabet,
          }),
          fc.record({ kind: fc.constant('delete' as const), at: fc.nat({ max: length - 1 }) }),
        ]
      : []),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat({ max: length }), char: alphabet }),
  );

function apply(value: string, e: Edit): string {
  switch (e.kind) {
    case 'replace':
      return value.slice(0, e.at) + e.char + value.slice(e.at + 1);
    case 'insert':
      return value.slice(0, e.at) + e.char + value.slice(e.at);
    case 'delete':
      return value.slice(0, e.at) + value.slice(e.at + 1);
  }
}

const printable = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));

/** SigV4's Trimall: values compare after trimming and collapsing runs of spaces (and tabs). */
const trimall = (v: string) => v.replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');

describe('SigV4Verifier properties', () => {
  it('accepts every request the AWS signer signs: encoded paths, unsorted repeated queries, spaced headers, any JSON', async () => {
    await fc.assert(
      fc.asyncProperty(shape, async (s) => {
        const principal = await verifier.verify(await sign(s));
        assert.equal(principal.accessKeyId, alice.accessKeyId);
      }),
      RUNS,
    );
  });

  it('refuses any single-byte change to the body', async () => {
    const byte = fc.integer({ min: 0, max: 255 });
    await fc.assert(
      fc.asyncProperty(
        shape.chain((s) => fc.tuple(fc.constant(s), edit(Buffer.byteLength(s.body), byte.map(String)))),
        async ([s, e]) => {
          const request = await sign(s);
          const body = [...request.body!];
          if (e.kind === 'delete') body.splice(e.at, 1);
          else if (e.kind === 'insert') body.splice(e.at, 0, Number(e.char));
          // A replacement by the same byte is no change: flip it to the next one.
          else body[e.at] = body[e.at] === Number(e.char) ? (Number(e.char) + 1) % 256 : Number(e.char);
          request.body = Buffer.from(body);
          const err = await refusal(request);
          assert.equal(err.type, 'InvalidSignatureException');
          assert.equal(
            err.message,
            s.applyChecksum ? 'x-amz-content-sha256 does not match the body' : MISMATCH,
          );
        },
      ),
      RUNS,
    );
  });

  it('refuses any single-byte change to the path, but for the slashes SigV4 normalises away', async () => {
    await fc.assert(
      fc.asyncProperty(
        shape.chain((s) => fc.tuple(fc.constant(s), edit(s.path.length, printable))),
        async ([s, e]) => {
          const request = await sign(s);
          const changed = apply(s.path, e);
          fc.pre(changed !== s.path);
          request.path = changed;
          // Both the same path to SigV4: a doubled slash, and a path without its leading slash (the
          // signer's HttpRequest puts it back; on the wire a path always has one).
          const redundantSlash =
            (e.kind === 'insert' && e.char === '/' && (s.path[e.at - 1] === '/' || s.path[e.at] === '/')) ||
            (e.kind === 'delete' && e.at === 0);
          if (redundantSlash) {
            assert.equal((await verifier.verify(request)).accessKeyId, alice.accessKeyId);
          } else {
            const err = await refusal(request);
            assert.equal(err.type, 'InvalidSignatureException');
            assert.equal(err.message, MISMATCH);
          }
        },
      ),
      RUNS,
    );
  });

  it('refuses any single-byte change to a signed header that changes its trimmed value, and only those', async () => {
    const signedHeader = fc.constantFrom(
      'host',
      'content-type',
      'x-amz-meta-note',
      'x-mandate-trace',
      'x-amz-date',
    );
    await fc.assert(
      fc.asyncProperty(
        fc
          .tuple(shape, signedHeader)
          .chain(([s, name]) =>
            fc.tuple(
              fc.constant(s),
              fc.constant(name),
              edit(
                (s.headers[name] ?? (name === 'host' ? 'mandate.local' : 'xxxxxxxxTxxxxxxZ')).length,
                printable,
              ),
            ),
          ),
        async ([s, name, e]) => {
          const request = await sign(s);
          const before = String(request.headers[name]);
          const after = apply(before, { ...e, at: Math.min(e.at, before.length) });
          fc.pre(after !== before);
          request.headers[name] = after;
          if (trimall(after) === trimall(before)) {
            // The date is parsed before signing; HTTP servers strip the spaces around it anyway.
            fc.pre(name !== 'x-amz-date');
            assert.equal((await verifier.verify(request)).accessKeyId, alice.accessKeyId);
            return;
          }
          const err = await refusal(request);
          if (name === 'x-amz-date') {
            // A broken date is named as such; a still-valid one changes the string to sign.
            assert.ok(
              [
                'The x-amz-date header is missing or malformed',
                'Credential date does not match x-amz-date',
                MISMATCH,
              ].includes(err.message) || err.message.startsWith('Signature expired: '),
              err.message,
            );
          } else {
            assert.equal(err.type, 'InvalidSignatureException');
            assert.equal(err.message, MISMATCH);
          }
        },
      ),
      RUNS,
    );
  });

  it('refuses any single-character change to the signature', async () => {
    await fc.assert(
      fc.asyncProperty(
        shape,
        edit(64, fc.constantFrom(...'0123456789abcdefABCDEF g'.split(''))),
        async (s, e) => {
          const request = await sign(s);
          const authorization = String(request.headers.authorization);
          const start = authorization.indexOf('Signature=') + 'Signature='.length;
          const signature = authorization.slice(start);
          const changed = apply(signature, e);
          fc.pre(changed !== signature);
          request.headers.authorization = authorization.slice(0, start) + changed;
          const err = await refusal(request);
          if (/^[0-9a-f]{64}$/.test(changed)) {
            assert.equal(err.type, 'InvalidSignatureException');
            assert.equal(err.message, MISMATCH);
          } else {
            assert.equal(err.type, 'IncompleteSignatureException');
            assert.equal(
              err.message,
              'Authorization header requires Credential, SignedHeaders and Signature',
            );
          }
        },
      ),
      RUNS,
    );
  });

  it('refuses a changed, added or dropped query parameter', async () => {
    await fc.assert(
      fc.asyncProperty(
        shape,
        fc.oneof(
          fc.record({ kind: fc.constant('add' as const), pair: fc.tuple(queryKeys, text(0, 3)) }),
          fc.record({ kind: fc.constant('drop' as const), index: fc.nat() }),
          fc.record({ kind: fc.constant('change' as const), index: fc.nat(), value: text(0, 3) }),
        ),
        async (s, change) => {
          const request = await sign(s);
          const changed = s.pairs.map((p): Pair => [...p]);
          if (change.kind === 'add') changed.push(change.pair);
          else {
            fc.pre(changed.length > 0);
            const index = change.index % changed.length;
            if (change.kind === 'drop') changed.splice(index, 1);
            else changed[index]![1] = change.value;
          }
          const sorted = (ps: Pair[]) =>
            ps
              .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
              .sort()
              .join('&');
          fc.pre(sorted(changed) !== sorted(s.pairs));
          request.query = wireQuery(changed, s.encoding, s.bareEmpty);
          const err = await refusal(request);
          assert.equal(err.message, MISMATCH);
        },
      ),
      RUNS,
    );
  });

  it('verifies a path as SigV4 normalises it: empty and dot segments are not signed', async () => {
    const request = await sign({
      method: 'POST',
      path: '/identities/GetWorkloadIdentity',
      pairs: [],
      encoding: 'uri-component',
      bareEmpty: false,
      headers: {},
      body: '{}',
      applyChecksum: true,
    });
    for (const equivalent of [
      '/identities//GetWorkloadIdentity',
      '//identities/GetWorkloadIdentity',
      '/identities/./GetWorkloadIdentity',
      '/x/../identities/GetWorkloadIdentity',
    ]) {
      assert.equal((await verifier.verify({ ...request, path: equivalent })).name, 'alice', equivalent);
    }
  });

  // Regression guard: the query is parsed into a plain object, so keys named like Object.prototype
  // members read the inherited member instead of "no value yet".
  it('accepts signed query keys named like Object.prototype members', async () => {
    for (const key of ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__']) {
      const s: Shape = {
        method: 'GET',
        path: '/tags/arn',
        pairs: [[key, 'x']],
        encoding: 'uri-component',
        bareEmpty: false,
        headers: {},
        body: '',
        applyChecksum: true,
      };
      await assert.doesNotReject(verifier.verify(await sign(s)), `query key ${key}`);
    }
  });

  it('refuses a __proto__ query parameter added to a signed request', async () => {
    const request = await sign({
      method: 'DELETE',
      path: '/tags/arn',
      pairs: [['tagKeys', 'owner']],
      encoding: 'uri-component',
      bareEmpty: false,
      headers: {},
      body: '',
      applyChecksum: true,
    });
    request.query = 'tagKeys=owner&__proto__=added';
    const err = await refusal(request);
    assert.equal(err.message, MISMATCH);
  });
});
