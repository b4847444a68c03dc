import { request as httpRequest, Agent } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import * as dataModels from '@aws-sdk/client-bedrock-agentcore';
import * as controlModels from '@aws-sdk/client-bedrock-agentcore-control';

/*
 * Building blocks of the input fuzz test (test/e2e/input-fuzz.test.ts): a seeded PRNG, the member
 * shapes of each operation read from the AWS SDK's own schemas, mutations of a valid input, a SigV4
 * signer for any method, path and query, and a raw HTTP sender that leaves paths exactly as given.
 */

// ---------------------------------------------------------------------------------------------
// Seeded randomness

/** mulberry32: small, fast and good enough to pick cases; the same seed gives the same run. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** A deterministic sample of `count` items, in their original order. */
  sample<T>(items: readonly T[], count: number): T[] {
    if (count >= items.length) return [...items];
    const indexes = items.map((_, i) => i);
    for (let i = indexes.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [indexes[i], indexes[j]] = [indexes[j]!, indexes[i]!];
    }
    return indexes
      .slice(0, count)
      .sort((a, b) => a - b)
      .map((i) => items[i]!);
  }

  /** Random bytes as a string of the given alphabet. */
  chars(length: number, alphabet: string): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Member shapes from the AWS SDK schemas

export type Location = 'body' | 'label' | 'query';

export type Shape =
  | { kind: 'string' | 'number' | 'boolean' | 'timestamp' | 'blob' | 'document' }
  | { kind: 'list'; member: Shape }
  | { kind: 'map'; value: Shape }
  | { kind: 'structure' | 'union'; members: Member[] };

export interface Member {
  name: string;
  shape: Shape;
  required: boolean;
  location: Location;
  /** The query parameter name, for members bound to the query string. */
  queryName?: string;
}

export interface ModelOperation {
  name: string;
  method: string;
  /** The path template, e.g. `/tags/{resourceArn}`. */
  path: string;
  input: Member[];
}

type SchemaRef = unknown;

const deref = (ref: SchemaRef): unknown => (typeof ref === 'function' ? (ref as () => unknown)() : ref);
/** A member reference is `[schema, traits]`; a static schema is an array of five or more entries. */
const isMemberRef = (ref: unknown): ref is [SchemaRef, unknown] => Array.isArray(ref) && ref.length === 2;

function scalarOf(code: number): Shape {
  if (code >= 128) return { kind: 'map', value: scalarOf(code & 0b0011_1111) };
  if (code >= 64) return { kind: 'list', member: scalarOf(code & 0b0011_1111) };
  switch (code) {
    case 0:
      return { kind: 'string' };
    case 1:
    case 17:
    case 19:
      return { kind: 'number' };
    case 2:
      return { kind: 'boolean' };
    case 4:
    case 5:
    case 6:
    case 7:
      return { kind: 'timestamp' };
    case 21:
    case 42:
      return { kind: 'blob' };
    default:
      return { kind: 'document' };
  }
}

/** Shapes deeper than this are treated as documents: the fuzz does not need the full recursion. */
const MAX_SHAPE_DEPTH = 6;

export function shapeOf(ref: SchemaRef, depth = 0): Shape {
  const schema = deref(isMemberRef(ref) ? ref[0] : ref);
  if (typeof schema === 'number') return scalarOf(schema);
  if (!Array.isArray(schema)) return { kind: 'structure', members: [] }; // "unit"
  if (depth > MAX_SHAPE_DEPTH) return { kind: 'document' };
  const entries = schema as unknown[];
  switch (entries[0]) {
    case 0:
      return shapeOf(entries[4], depth);
    case 1:
      return { kind: 'list', member: shapeOf(entries[4], depth + 1) };
    case 2:
      return { kind: 'map', value: shapeOf(entries[5], depth + 1) };
    case 3:
    case -3:
    case 4:
      return {
        kind: entries[0] === 4 ? 'union' : 'structure',
        members: membersOf(entries, depth + 1),
      };
    default:
      return { kind: 'document' };
  }
}

function membersOf(struct: unknown[], depth: number): Member[] {
  const names = struct[4] as string[];
  const refs = struct[5] as unknown[];
  const requiredCount = typeof struct[6] === 'number' ? struct[6] : 0;
  return names.map((name, i) => {
    const ref = refs[i];
    const traits = isMemberRef(ref) ? ref[1] : 0;
    let location: Location = 'body';
    let queryName: string | undefined;
    if (typeof traits === 'number') {
      if (traits & 1) location = 'label';
    } else if (traits && typeof traits === 'object') {
      const t = traits as Record<string, unknown>;
      if (typeof t.httpQuery === 'string') {
        location = 'query';
        queryName = t.httpQuery;
      }
      if (t.httpLabel) location = 'label';
    }
    return {
      name,
      shape: shapeOf(ref, depth),
      required: i < requiredCount,
      location,
      ...(queryName ? { queryName } : {}),
    };
  });
}

/** Every operation of both AgentCore SDK clients, by name, with its HTTP binding and input members. */
export function sdkOperations(): Map<string, ModelOperation & { client: 'control' | 'data' }> {
  const out = new Map<string, ModelOperation & { client: 'control' | 'data' }>();
  for (const [client, exports] of [
    ['data', dataModels],
    ['control', controlModels],
  ] as const) {
    for (const [key, value] of Object.entries(exports as Record<string, unknown>)) {
      if (!key.endsWith('$') || !Array.isArray(value) || value[0] !== 9) continue;
      const op = value as unknown[];
      const traits = op[3] as { http?: [string, string, number] };
      if (!traits.http) continue;
      const input = shapeOf(op[4]);
      out.set(op[2] as string, {
        name: op[2] as string,
        client,
        method: traits.http[0],
        path: traits.http[1],
        input: input.kind === 'structure' || input.kind === 'union' ? input.members : [],
      });
    }
  }
  return out;
}

/** A structure member, for the hand-written models of Mandate's extension operations. */
export const member = (name: string, shape: Shape, required = false): Member => ({
  name,
  shape,
  required,
  location: 'body',
});
export const str: Shape = { kind: 'string' };
export const num: Shape = { kind: 'number' };
export const struct = (...members: Member[]): Shape => ({ kind: 'structure', members });
/** A named structure of the control-plane SDK model, e.g. `CustomJWTAuthorizerConfiguration$`. */
export const controlShape = (exportName: string): Shape =>
  shapeOf((controlModels as unknown as Record<string, unknown>)[exportName]);

// ---------------------------------------------------------------------------------------------
// Values and mutations

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const ONE_MB = 1_000_000;
const CONTROL_CHARS = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('') + '\u007f';

/** Strings that are wrong in content rather than in type. */
export function stringVariants(): { label: string; value: string }[] {
  return [
    { label: 'empty string', value: '' },
    { label: 'blank string', value: '   ' },
    { label: 'control characters', value: `a${CONTROL_CHARS}b` },
    { label: 'NUL', value: 'fuzz\u0000name' },
    { label: 'lone high surrogate', value: 'fuzz\ud800' },
    { label: 'lone low surrogate', value: '\udfffx' },
    { label: 'reversed surrogate pair', value: '\udc00\ud800' },
    { label: 'BOM and RTL override', value: '\ufeff\u202eabc' },
    { label: 'emoji', value: '🙂🙃' },
    { label: 'non-characters', value: '\uffff\ufffe' },
    { label: 'dot dot', value: '..' },
    { label: 'path traversal', value: '../../../etc/passwd' },
    { label: 'percent NUL', value: '%00' },
    { label: 'encoded slash', value: 'a%2Fb' },
    { label: 'SQL', value: "x'; DROP TABLE workload_identities; --" },
    { label: 'template', value: '${jndi:ldap://x}{{7*7}}' },
    { label: '__proto__ as value', value: '__proto__' },
    { label: 'constructor as value', value: 'constructor' },
    { label: '10k characters', value: 'x'.repeat(10_000) },
    { label: '300 two-byte characters', value: 'é'.repeat(300) },
    { label: 'long valid-looking name', value: 'a'.repeat(256) },
  ];
}

/** Values of the wrong JSON type for a member of this shape. */
export function wrongTypes(shape: Shape): { label: string; value: Json }[] {
  const all: { label: string; value: Json; not: Shape['kind'][] }[] = [
    { label: 'number', value: 123, not: ['number', 'timestamp'] },
    { label: 'float', value: 1.5, not: ['number', 'timestamp'] },
    { label: 'true', value: true, not: ['boolean'] },
    { label: 'false', value: false, not: ['boolean'] },
    { label: 'null', value: null, not: [] },
    { label: 'string', value: 'fuzz', not: ['string', 'blob', 'timestamp'] },
    { label: 'numeric string', value: '1', not: ['string', 'blob', 'timestamp'] },
    { label: 'empty object', value: {}, not: ['structure', 'union', 'map', 'document'] },
    { label: 'object', value: { a: 'b' }, not: ['map', 'document'] },
    { label: 'empty array', value: [], not: ['list', 'document'] },
    { label: 'array of string', value: ['x'], not: ['list', 'document'] },
    { label: 'array of object', value: [{}], not: ['document'] },
  ];
  return all.filter((v) => !v.not.includes(shape.kind)).map(({ label, value }) => ({ label, value }));
}

/** Content mutations for a member of this shape, beyond wrong types. */
export function contentVariants(shape: Shape): { label: string; value: Json }[] {
  switch (shape.kind) {
    case 'string':
    case 'blob':
      return stringVariants();
    case 'timestamp':
    case 'number':
      return [
        { label: 'zero', value: 0 },
        { label: 'negative', value: -1 },
        { label: 'fraction', value: 0.5 },
        { label: '2^31', value: 2 ** 31 },
        { label: 'beyond 2^53', value: 2 ** 53 + 2 },
        { label: '1e308', value: 1e308 },
        { label: '-1e308', value: -1e308 },
        { label: 'denormal', value: 5e-324 },
      ];
    case 'boolean':
      return [
        { label: 'string true', value: 'true' },
        { label: 'one', value: 1 },
      ];
    case 'list':
      return [
        { label: 'list of null', value: [null] },
        { label: 'list of numbers', value: [1, 2] },
        { label: 'nested empty list', value: [[]] },
        { label: 'list of objects', value: [{}] },
        { label: 'object with index keys', value: { '0': 'x' } },
        { label: '1000 long strings', value: Array.from({ length: 1000 }, () => 'y'.repeat(200)) },
      ];
    case 'map':
      return [
        { label: 'empty key', value: { '': 'v' } },
        { label: 'NUL key', value: { '\u0000': 'v' } },
        { label: 'lone surrogate key', value: { '\ud800': 'v' } },
        { label: 'number value', value: { k: 1 } },
        { label: 'null value', value: { k: null } },
        { label: 'object value', value: { k: {} } },
        { label: '__proto__ key', value: JSON.parse('{"__proto__":"v","k":"v"}') as Json },
        { label: 'constructor key', value: { constructor: 'v' } },
        { label: 'prototype key', value: { prototype: { polluted: 'yes' } } },
        { label: '__proto__ object', value: JSON.parse('{"__proto__":{"polluted":"yes"}}') as Json },
      ];
    case 'structure':
    case 'union':
      return [
        { label: 'unknown member', value: { fuzzUnknownMember: 1 } },
        { label: '__proto__ member', value: JSON.parse('{"__proto__":{"polluted":"yes"}}') as Json },
        { label: 'constructor member', value: { constructor: { prototype: { polluted: 'yes' } } } },
        ...(shape.kind === 'union' && shape.members.length >= 2
          ? [
              {
                label: 'two union members',
                value: { [shape.members[0]!.name]: {}, [shape.members[1]!.name]: {} },
              },
            ]
          : []),
      ];
    case 'document':
      return [];
  }
}

/** A value this shape accepts in type (not necessarily in content), for building paths that do not exist yet. */
export function placeholder(shape: Shape): Json {
  switch (shape.kind) {
    case 'string':
    case 'blob':
      return 'fuzz';
    case 'number':
    case 'timestamp':
      return 1;
    case 'boolean':
      return true;
    case 'list':
      return [];
    case 'map':
    case 'structure':
    case 'union':
    case 'document':
      return {};
  }
}

/** A path to a member inside an input: names of members, `0` for the first list element, `k` for a map value. */
export type MemberPath = (string | number)[];

export interface MemberSite {
  path: MemberPath;
  shape: Shape;
  required: boolean;
  location: Location;
  /** For members of a union, how to reach them: the union's path and the member chosen. */
  unions: { at: MemberPath; member: string }[];
}

/** Every member reachable from the top-level members, to `maxDepth` path elements. */
export function memberSites(members: Member[], maxDepth = 5): MemberSite[] {
  const out: MemberSite[] = [];
  const walk = (
    shape: Shape,
    path: MemberPath,
    required: boolean,
    location: Location,
    unions: MemberSite['unions'],
  ) => {
    out.push({ path, shape, required, location, unions });
    if (path.length >= maxDepth || location !== 'body') return;
    switch (shape.kind) {
      case 'structure':
      case 'union':
        for (const m of shape.members)
          walk(
            m.shape,
            [...path, m.name],
            m.required,
            m.location,
            shape.kind === 'union' ? [...unions, { at: path, member: m.name }] : unions,
          );
        return;
      case 'list':
        walk(shape.member, [...path, 0], true, location, unions);
        return;
      case 'map':
        walk(shape.value, [...path, 'k'], true, location, unions);
        return;
      case 'string':
      case 'number':
      case 'boolean':
      case 'timestamp':
      case 'blob':
      case 'document':
        return;
    }
  };
  for (const m of members) walk(m.shape, [m.name], m.required, m.location, []);
  return out;
}

export const clone = <T>(value: T): T => structuredClone(value);

/**
 * Sets `value` at `site.path` in a copy of `input`, creating what is missing; a union on the way
 * holds only the member on the path, so the mutation reaches the member it names.
 */
export function withValue(input: Record<string, Json>, site: MemberSite, value: Json | undefined) {
  const root = clone(input);
  for (const union of site.unions) {
    const container = ensure(root, union.at);
    if (container && typeof container === 'object' && !Array.isArray(container)) {
      for (const key of Object.keys(container)) if (key !== union.member) delete container[key];
    }
  }
  let node: Json = root;
  for (let i = 0; i < site.path.length - 1; i++) {
    const key = site.path[i]!;
    const nextKey = site.path[i + 1]!;
    const holder = node as Record<string | number, Json>;
    const existing = holder[key];
    if (existing === undefined || existing === null || typeof existing !== 'object') {
      holder[key] = typeof nextKey === 'number' ? [] : {};
    } else if (typeof nextKey === 'number' && !Array.isArray(existing)) {
      holder[key] = [];
    }
    node = holder[key]!;
  }
  const last = site.path.at(-1)!;
  const holder = node as Record<string | number, Json>;
  if (value === undefined) delete holder[last];
  else holder[last] = value;
  return root;
}

function ensure(root: Record<string, Json>, path: MemberPath): Json | undefined {
  let node: Json = root;
  for (const key of path) {
    const holder = node as Record<string | number, Json>;
    if (holder[key] === undefined || holder[key] === null || typeof holder[key] !== 'object')
      holder[key] = {};
    node = holder[key]!;
  }
  return node;
}

/** Raw JSON nested `depth` levels deep: `{"a":{"a":…}}` or `[[…]]`. */
export function deeplyNested(depth: number, kind: 'object' | 'array'): string {
  return kind === 'object'
    ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
    : '['.repeat(depth) + '1' + ']'.repeat(depth);
}

// ---------------------------------------------------------------------------------------------
// Signing and sending

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface RawRequest {
  method: string;
  /** The path exactly as it goes on the wire (already percent-encoded where needed). */
  path: string;
  /** Query parameters, decoded; sent percent-encoded in this order. */
  query?: [string, string][];
  /** A query string sent exactly as given instead of `query` (bytes no client would encode). */
  rawQuery?: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
}

export interface SignOptions {
  credentials: Credentials;
  region: string;
  service?: string;
  signingDate?: Date;
}

const encodeQuery = (query: [string, string][]) =>
  query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

/** The headers of `request` plus `x-amz-date` and `authorization`, as the AWS SDK signs. */
export async function sign(request: RawRequest, host: string, options: SignOptions) {
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: options.service ?? 'bedrock-agentcore',
    sha256: Hash.bind(null, 'sha256'),
  });
  const query: Record<string, string | string[]> = {};
  const pairs =
    request.rawQuery !== undefined ? [...new URLSearchParams(request.rawQuery)] : (request.query ?? []);
  for (const [k, v] of pairs) {
    const existing = query[k];
    query[k] = existing === undefined ? v : Array.isArray(existing) ? [...existing, v] : [existing, v];
  }
  const headers: Record<string, string> = { host };
  for (const [k, v] of Object.entries(request.headers ?? {}))
    headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  const signed = await signer.sign(
    new HttpRequest({
      method: request.method,
      protocol: 'http:',
      hostname: host.split(':')[0]!,
      path: request.path,
      query,
      headers,
      body: request.body,
    }),
    options.signingDate ? { signingDate: options.signingDate } : {},
  );
  const out: Record<string, string | string[]> = { ...request.headers };
  for (const [k, v] of Object.entries(signed.headers as Record<string, string>))
    if (k !== 'host' && !(k in out)) out[k] = v;
  return out;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  ms: number;
}

// One connection per request: a request that spoils its connection cannot be blamed on the next one.
const agent = new Agent({ keepAlive: false, maxSockets: 16 });

/** Sends a request with node:http, which leaves the path as given (fetch would resolve `..`). */
export function sendRaw(base: URL, request: RawRequest, timeoutMs = 30_000): Promise<Answer> {
  const started = Date.now();
  const query =
    request.rawQuery !== undefined
      ? `?${request.rawQuery}`
      : request.query?.length
        ? `?${encodeQuery(request.query)}`
        : '';
  const headers = { ...request.headers };
  // Declared as the AWS SDK declares it; without it node:http sends a GET or DELETE body unframed.
  if (request.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length'))
    headers['content-length'] = String(Buffer.byteLength(request.body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        method: request.method,
        path: request.path + query,
        headers,
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            ms: Date.now() - started,
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(request.body);
  });
}

export function closeAgent(): void {
  agent.destroy();
}

// ---------------------------------------------------------------------------------------------
// The AWS restJson1 error shape

const VALIDATION_REASONS = new Set([
  'CannotParse',
  'FieldValidationFailed',
  'IdempotentParameterMismatchException',
  'EventInOtherSession',
  'ResourceConflict',
  'UnknownOperation',
  'Other',
]);

/** Why an answer is not a well-formed restJson1 refusal, or undefined when it is one. */
export function shapeProblem(answer: Answer): string | undefined {
  if (answer.status < 400 || answer.status > 499) return `status ${answer.status} is not 4xx`;
  const type = answer.headers['x-amzn-errortype'];
  if (typeof type !== 'string' || !/^[A-Z][A-Za-z0-9]*(:.*)?$/.test(type))
    return `x-amzn-errortype is ${JSON.stringify(type)}`;
  const contentType = answer.headers['content-type'];
  if (typeof contentType !== 'string' || !contentType.startsWith('application/json'))
    return `content-type is ${JSON.stringify(contentType)}`;
  let body: unknown;
  try {
    body = JSON.parse(answer.body.toString('utf8'));
  } catch {
    return 'body is not JSON';
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'body is not a JSON object';
  const fields = body as Record<string, unknown>;
  if (typeof fields.message !== 'string') return 'body has no string message';
  if (type.split(':')[0] === 'ValidationException') {
    if (typeof fields.reason !== 'string' || !VALIDATION_REASONS.has(fields.reason))
      return `ValidationException reason is ${JSON.stringify(fields.reason)}`;
    if (
      !Array.isArray(fields.fieldList) ||
      !fields.fieldList.every(
        (f: unknown) =>
          !!f &&
          typeof f === 'object' &&
          typeof (f as Record<string, unknown>).name === 'string' &&
          typeof (f as Record<string, unknown>).message === 'string',
      )
    )
      return 'ValidationException fieldList is not a list of {name, message}';
  }
  return undefined;
}
