import 'reflect-metadata';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  GetResourceApiKeyCommand,
  GetWorkloadAccessTokenCommand,
  GetWorkloadAccessTokenForUserIdCommand,
  type BedrockAgentCoreClient,
} from '@aws-sdk/client-bedrock-agentcore';
import {
  CreateApiKeyCredentialProviderCommand,
  CreateOauth2CredentialProviderCommand,
  CreateWorkloadIdentityCommand,
  GetApiKeyCredentialProviderCommand,
  GetOauth2CredentialProviderCommand,
  GetTokenVaultCommand,
  GetWorkloadIdentityCommand,
  ListTagsForResourceCommand,
  ListWorkloadIdentitiesCommand,
  ResourceNotFoundException,
  type BedrockAgentCoreControlClient,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { DATA_PLANE_OPERATIONS } from '../../apps/api/src/data-plane/data-plane-operations';
import { OPERATION, type OperationMetadata } from '../../apps/api/src/wire/operation.decorator';
import { rejects } from '../helpers/assert';
import {
  closeAgent,
  contentVariants,
  controlShape,
  deeplyNested,
  member,
  memberSites,
  num,
  ONE_MB,
  placeholder,
  Prng,
  sdkOperations,
  sendRaw,
  shapeProblem,
  sign,
  str,
  stringVariants,
  struct,
  withValue,
  wrongTypes,
  type Answer,
  type Credentials,
  type Json,
  type Member,
  type MemberSite,
  type ModelOperation,
  type RawRequest,
  type SignOptions,
} from '../helpers/fuzz-inputs';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

/*
 * Input fuzz: every operation Mandate serves gets signed requests with malformed bodies, generated
 * from the operation's members in the AWS SDK model (or, for Mandate's extensions, a model written
 * here) and mutated with a seeded PRNG. No answer may be a 5xx, every refusal must be a restJson1
 * error, the resources created before the fuzz must be unchanged afterwards, and the service must
 * still be healthy. `FUZZ_SEED` replays another run; `FUZZ_LOG_LEVEL` shows the stack's logs;
 * `FUZZ_REPORT=<file>` writes every finding there as JSON.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20_240_601);
const CONCURRENCY = 8;
/** Per-member cases per operation, on top of the whole-body and special cases. */
const MEMBER_BUDGET = 60;

const REGION = 'us-east-1';
const ARN_BASE = `arn:aws:bedrock-agentcore:${REGION}:000000000000:workload-identity-directory/default/workload-identity/`;
const PROVIDER_ARN_BASE = `arn:aws:acps:${REGION}:000000000000:token-vault/default/`;
const RETURN_URL = 'https://app.example.com/callback';
const FAKE_JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmdXp6In0.c2lnbmF0dXJl';

/** Created before the fuzz and compared after it; no mutating fuzz request names them. */
const SNAP = { agent: 'snap-agent', oauth: 'snap-oauth', key: 'snap-key' } as const;
/** Ids in the shape this service issues, of a policy engine and a policy that do not exist. */
const MISSING_ENGINE = 'fzmissing-aaaaaaaaaa';
const MISSING_POLICY = 'fzmissing-bbbbbbbbbb';
const MISSING_APPROVAL = '00000000-0000-4000-8000-00000000f00d';
/** What the mutating operations act on instead. */
const TARGET = { agent: 'fz-agent', oauth: 'fz-oauth', key: 'fz-key', missing: 'fz-missing' } as const;

const oauthConfig = (clientId: string): Json => ({
  customOauth2ProviderConfig: {
    oauthDiscovery: {
      authorizationServerMetadata: {
        issuer: 'https://idp.example.com',
        authorizationEndpoint: 'https://idp.example.com/authorize',
        tokenEndpoint: 'https://idp.example.com/token',
        responseTypes: ['code'],
      },
    },
    clientId,
    clientSecret: 'fuzz-secret',
  },
});

interface Context {
  wat: string;
  userWat: string;
}

/** A valid input for each operation Mandate serves: the starting point of its mutations. */
const FIXTURES: Record<string, (ctx: Context) => Record<string, Json>> = {
  CreateWorkloadIdentity: () => ({
    name: 'fz-new-agent',
    allowedResourceOauth2ReturnUrls: [RETURN_URL],
    tags: { k: 'fuzz' },
  }),
  GetWorkloadIdentity: () => ({ name: SNAP.agent }),
  ListWorkloadIdentities: () => ({ maxResults: 5 }),
  UpdateWorkloadIdentity: () => ({ name: TARGET.agent, allowedResourceOauth2ReturnUrls: [RETURN_URL] }),
  DeleteWorkloadIdentity: () => ({ name: TARGET.missing }),
  ListTagsForResource: () => ({ resourceArn: ARN_BASE + SNAP.agent }),
  TagResource: () => ({ resourceArn: ARN_BASE + TARGET.agent, tags: { k: 'v' } }),
  UntagResource: () => ({ resourceArn: ARN_BASE + TARGET.agent, tagKeys: ['k'] }),
  // Only for principals other than the admin, whose key signs the fuzz (no deny may lock it out).
  PutResourcePolicy: () => ({
    resourceArn: ARN_BASE + TARGET.agent,
    policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::000000000000:role/fz-someone' },
          Action: 'bedrock-agentcore:GetWorkloadIdentity',
          Resource: '*',
        },
      ],
    }),
  }),
  GetResourcePolicy: () => ({ resourceArn: ARN_BASE + SNAP.agent }),
  DeleteResourcePolicy: () => ({ resourceArn: ARN_BASE + TARGET.missing }),
  PutWorkloadIdentityAuthorizer: () => ({
    name: TARGET.agent,
    authorizerConfiguration: {
      customJWTAuthorizer: {
        discoveryUrl: 'http://127.0.0.1:9/.well-known/openid-configuration',
        allowedAudience: ['fuzz'],
      },
    },
  }),
  GetWorkloadIdentityAuthorizer: () => ({ name: SNAP.agent }),
  DeleteWorkloadIdentityAuthorizer: () => ({ name: TARGET.agent }),
  GetWorkloadAccessToken: () => ({ workloadName: SNAP.agent }),
  GetWorkloadAccessTokenForJWT: () => ({ workloadName: SNAP.agent, userToken: FAKE_JWT }),
  GetWorkloadAccessTokenForUserId: () => ({ workloadName: SNAP.agent, userId: 'fuzz-user' }),
  CreateOauth2CredentialProvider: () => ({
    name: 'fz-new-oauth',
    credentialProviderVendor: 'CustomOauth2',
    oauth2ProviderConfigInput: oauthConfig('fuzz-client'),
    tags: { k: 'fuzz' },
  }),
  GetOauth2CredentialProvider: () => ({ name: SNAP.oauth }),
  ListOauth2CredentialProviders: () => ({ maxResults: 5 }),
  UpdateOauth2CredentialProvider: () => ({
    name: TARGET.oauth,
    credentialProviderVendor: 'CustomOauth2',
    oauth2ProviderConfigInput: oauthConfig('fuzz-client-2'),
  }),
  DeleteOauth2CredentialProvider: () => ({ name: TARGET.missing }),
  CreateApiKeyCredentialProvider: () => ({ name: 'fz-new-key', apiKey: 'sk-fuzz', tags: { k: 'fuzz' } }),
  GetApiKeyCredentialProvider: () => ({ name: SNAP.key }),
  ListApiKeyCredentialProviders: () => ({ maxResults: 5 }),
  UpdateApiKeyCredentialProvider: () => ({ name: TARGET.key, apiKey: 'sk-fuzz-2' }),
  DeleteApiKeyCredentialProvider: () => ({ name: TARGET.missing }),
  GetResourceApiKey: ({ wat }) => ({ workloadIdentityToken: wat, resourceCredentialProviderName: SNAP.key }),
  GetResourceOauth2Token: ({ userWat }) => ({
    workloadIdentityToken: userWat,
    resourceCredentialProviderName: SNAP.oauth,
    scopes: ['read'],
    oauth2Flow: 'USER_FEDERATION',
    resourceOauth2ReturnUrl: RETURN_URL,
    // Map members use the key `k`, the key the member mutations aim at.
    customParameters: { k: 'consent' },
    customState: 'fuzz-state',
    resources: ['https://api.example.com/'],
    audiences: ['fuzz-audience'],
  }),
  CompleteResourceTokenAuth: () => ({
    sessionUri: 'urn:ietf:params:oauth:request_uri:fuzz0000',
    userIdentifier: { userId: 'fuzz-user' },
  }),
  RevokeResourceOauth2Connection: ({ userWat }) => ({
    workloadIdentityToken: userWat,
    resourceCredentialProviderName: TARGET.oauth,
  }),
  ListResourceOauth2Connections: () => ({
    workloadName: SNAP.agent,
    resourceCredentialProviderName: SNAP.oauth,
    state: 'ACTIVE',
    maxResults: 5,
  }),
  GetResourceOauth2Connection: () => ({ connectionId: TARGET.missing }),
  RevokeResourceOauth2ConnectionById: () => ({ connectionId: TARGET.missing }),
  CreateWebhookSubscription: () => ({
    name: 'fz-new-hook',
    url: 'https://hooks.example.com/mandate',
    events: ['connection.revoked'],
    description: 'fuzz',
  }),
  GetWebhookSubscription: () => ({ name: TARGET.missing }),
  ListWebhookSubscriptions: () => ({ maxResults: 5 }),
  UpdateWebhookSubscription: () => ({ name: TARGET.missing, events: ['consent.failed'] }),
  DeleteWebhookSubscription: () => ({ name: TARGET.missing }),
  RotateWebhookSecret: () => ({ name: TARGET.missing, overlapSeconds: 60 }),
  ListWebhookDeliveries: () => ({ subscriptionName: TARGET.missing, maxResults: 5 }),
  CreateConsentPortal: () => ({
    name: 'fz-portal',
    idpConfig: {
      credentialProviderArn: `${PROVIDER_ARN_BASE}oauth2credentialprovider/${TARGET.oauth}`,
      scopes: ['openid'],
    },
    sources: [{ type: 'workload-identity', identifier: TARGET.agent }],
    executionRoleArn: 'arn:aws:iam::000000000000:role/fz',
  }),
  GetConsentPortal: () => ({ consentPortalIdentifier: TARGET.missing }),
  ListConsentPortals: () => ({ maxResults: 5 }),
  UpdateConsentPortal: () => ({ consentPortalIdentifier: TARGET.missing, description: 'fuzz' }),
  DeleteConsentPortal: () => ({ consentPortalIdentifier: TARGET.missing }),
  CreatePolicyEngine: () => ({ name: 'fz_engine', description: 'fuzz', tags: { k: 'fuzz' } }),
  GetPolicyEngine: () => ({ policyEngineId: MISSING_ENGINE }),
  ListPolicyEngines: () => ({ maxResults: 5 }),
  UpdatePolicyEngine: () => ({ policyEngineId: MISSING_ENGINE, description: { optionalValue: 'fuzz' } }),
  DeletePolicyEngine: () => ({ policyEngineId: MISSING_ENGINE }),
  CreatePolicy: () => ({
    policyEngineId: MISSING_ENGINE,
    name: 'fz_policy',
    definition: { cedar: { statement: 'permit(principal, action, resource);' } },
    validationMode: 'FAIL_ON_ANY_FINDINGS',
    enforcementMode: 'LOG_ONLY',
  }),
  GetPolicy: () => ({ policyEngineId: MISSING_ENGINE, policyId: MISSING_POLICY }),
  ListPolicies: () => ({ policyEngineId: MISSING_ENGINE, maxResults: 5 }),
  UpdatePolicy: () => ({
    policyEngineId: MISSING_ENGINE,
    policyId: MISSING_POLICY,
    enforcementMode: 'ACTIVE',
  }),
  DeletePolicy: () => ({ policyEngineId: MISSING_ENGINE, policyId: MISSING_POLICY }),
  AttachPolicyEngine: () => ({
    policyEngineId: MISSING_ENGINE,
    tokenVault: false,
    workloadIdentityNames: [TARGET.agent],
  }),
  GetPolicySchema: () => ({}),
  GetTokenReleaseApproval: () => ({ approvalId: MISSING_APPROVAL }),
  ApproveTokenRelease: () => ({
    approvalId: MISSING_APPROVAL,
    approver: { userId: 'fz-user' },
    approvalWindowSeconds: 60,
  }),
  DenyTokenRelease: () => ({ approvalId: MISSING_APPROVAL }),
  GetTokenVault: () => ({}),
  SetTokenVaultCMK: () => ({ tokenVaultId: 'fz-vault', kmsConfiguration: { keyType: 'ServiceManagedKey' } }),
  ListAuditEvents: () => ({ maxResults: 10 }),
  VerifyAuditLog: () => ({}),
  // Principals: never the admin, whose key signs the fuzz.
  CreatePrincipal: () => ({
    name: 'fz-new-principal',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'bedrock-agentcore:GetWorkloadIdentity', Resource: '*' }],
    },
    description: 'fuzz',
    tags: { k: 'fuzz' },
  }),
  GetPrincipal: () => ({ name: 'admin' }),
  ListPrincipals: () => ({ maxResults: 5 }),
  UpdatePrincipal: () => ({ name: TARGET.missing, description: 'fuzz' }),
  DeletePrincipal: () => ({ name: TARGET.missing }),
  CreatePrincipalAccessKey: () => ({ name: TARGET.missing }),
  ListPrincipalAccessKeys: () => ({ name: 'admin' }),
  DeletePrincipalAccessKey: () => ({ name: TARGET.missing, accessKeyId: 'MDAKFUZZ000000000000' }),
};

/** One statement of an IAM policy document, for the principal operations' mutations. */
const POLICY_STATEMENT = struct(
  member('Effect', str, true),
  member('Action', str, true),
  member('Resource', str, true),
);

/** Members of Mandate's extension operations, which no AWS SDK model describes. */
const EXTENSION_MODELS: Record<string, Member[]> = {
  AttachPolicyEngine: [
    member('policyEngineId', str, true),
    member('tokenVault', { kind: 'boolean' }),
    member('workloadIdentityNames', { kind: 'list', member: str }),
  ],
  GetPolicySchema: [],
  GetTokenReleaseApproval: [member('approvalId', str, true)],
  ApproveTokenRelease: [
    member('approvalId', str, true),
    member('approver', struct(member('userId', str), member('userToken', str)), true),
    member('approvalWindowSeconds', num),
  ],
  DenyTokenRelease: [member('approvalId', str, true)],
  ListAuditEvents: [member('afterSequence', num), member('maxResults', num)],
  VerifyAuditLog: [],
  ListResourceOauth2Connections: [
    member('workloadName', str),
    member('resourceCredentialProviderName', str),
    member('state', str),
    member('maxResults', num),
    member('nextToken', str),
  ],
  GetResourceOauth2Connection: [member('connectionId', str, true)],
  CreateWebhookSubscription: [
    member('name', str, true),
    member('url', str, true),
    member('events', { kind: 'list', member: str }, true),
    member('description', str),
  ],
  GetWebhookSubscription: [member('name', str, true)],
  ListWebhookSubscriptions: [member('maxResults', num), member('nextToken', str)],
  UpdateWebhookSubscription: [
    member('name', str, true),
    member('url', str),
    member('events', { kind: 'list', member: str }),
    member('description', str),
  ],
  DeleteWebhookSubscription: [member('name', str, true)],
  RotateWebhookSecret: [member('name', str, true), member('overlapSeconds', num)],
  ListWebhookDeliveries: [
    member('subscriptionName', str, true),
    member('maxResults', num),
    member('nextToken', str),
  ],
  RevokeResourceOauth2ConnectionById: [member('connectionId', str, true)],
  RevokeResourceOauth2Connection: [
    member('workloadIdentityToken', str, true),
    member('resourceCredentialProviderName', str, true),
  ],
  PutWorkloadIdentityAuthorizer: [
    member('name', str, true),
    member(
      'authorizerConfiguration',
      struct(member('customJWTAuthorizer', controlShape('CustomJWTAuthorizerConfiguration$'), true)),
      true,
    ),
  ],
  GetWorkloadIdentityAuthorizer: [member('name', str, true)],
  DeleteWorkloadIdentityAuthorizer: [member('name', str, true)],
  CreatePrincipal: [
    member('name', str, true),
    member(
      'policyDocument',
      struct(
        member('Version', str, true),
        member('Statement', { kind: 'list', member: POLICY_STATEMENT }, true),
      ),
      true,
    ),
    member('description', str),
    member('tags', { kind: 'map', value: str }),
  ],
  GetPrincipal: [member('name', str, true)],
  ListPrincipals: [member('maxResults', num), member('nextToken', str)],
  UpdatePrincipal: [member('name', str, true), member('description', str)],
  DeletePrincipal: [member('name', str, true)],
  CreatePrincipalAccessKey: [member('name', str, true)],
  ListPrincipalAccessKeys: [member('name', str, true)],
  DeletePrincipalAccessKey: [member('name', str, true), member('accessKeyId', str, true)],
};

// ---------------------------------------------------------------------------------------------
// The operations Mandate serves, read from its controllers and its data-plane routes

interface ServedOperation extends ModelOperation {
  /** Where the model came from: an AWS SDK client, or this file for an extension. */
  source: 'control' | 'data' | 'extension';
  /** The method and path the controller serves, to compare with the model's. */
  served: { method: string; path: string };
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'ALL', 'OPTIONS', 'HEAD'];

async function servedOperations(): Promise<ServedOperation[]> {
  const root = join(__dirname, '..', '..', 'apps', 'api', 'src');
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.controller.ts'))
    .sort();
  const models = sdkOperations();
  const out: ServedOperation[] = [];
  for (const file of files) {
    const exports = (await import(join(root, file))) as Record<string, unknown>;
    for (const controller of Object.values(exports)) {
      if (typeof controller !== 'function') continue;
      const base = Reflect.getMetadata('path', controller) as string | undefined;
      if (base === undefined) continue;
      const proto = controller.prototype as Record<string, unknown>;
      for (const key of Object.getOwnPropertyNames(proto)) {
        const handler = proto[key];
        if (typeof handler !== 'function') continue;
        const operation = Reflect.getMetadata(OPERATION, handler) as OperationMetadata | undefined;
        if (!operation) continue;
        const route = Reflect.getMetadata('path', handler) as string;
        const method = METHODS[Reflect.getMetadata('method', handler) as number] ?? 'UNKNOWN';
        const path = `/${[base, route].filter(Boolean).join('/')}`
          .replace(/\/+/g, '/')
          .replace(/:(\w+)/g, '{$1}');
        const model = models.get(operation.name);
        const extension = EXTENSION_MODELS[operation.name];
        out.push({
          name: operation.name,
          source: model ? model.client : 'extension',
          method: model?.method ?? method,
          path: model?.path ?? path,
          input: model?.input ?? extension ?? [],
          served: { method, path },
        });
      }
    }
  }
  for (const { url, operation } of DATA_PLANE_OPERATIONS) {
    const model = models.get(operation.name);
    out.push({
      name: operation.name,
      source: model ? model.client : 'extension',
      method: model?.method ?? 'POST',
      path: model?.path ?? url,
      input: model?.input ?? EXTENSION_MODELS[operation.name] ?? [],
      served: { method: 'POST', path: url },
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

// ---------------------------------------------------------------------------------------------
// Cases

type Auth =
  | { kind: 'admin' }
  | { kind: 'none' }
  | {
      kind: 'custom';
      options?: Partial<SignOptions>;
      /** Spoils the signed request: different headers, path or body than were signed. */
      tamper?: (signed: RawRequest) => RawRequest;
    };

interface FuzzCase {
  operation: string;
  label: string;
  request: RawRequest;
  auth: Auth;
  /** The request must be refused (bad signature): a 2xx is a failure too. */
  mustRefuse?: boolean;
  /** Only the status matters (the OAuth callback answers HTML pages by design). */
  statusOnly?: boolean;
}

const JSON_TYPE = { 'content-type': 'application/json' };

/** Splits an input into path label, query and JSON body as the restJson1 binding does. */
function requestOf(
  op: ServedOperation,
  input: Record<string, Json>,
  options: { labelRaw?: string; queryRaw?: [string, string][] } = {},
): RawRequest {
  let path = op.path;
  const query: [string, string][] = [];
  const body: Record<string, Json> = {};
  for (const [key, value] of Object.entries(input)) {
    const m = op.input.find((x) => x.name === key);
    if (m?.location === 'label') {
      path = path.replace(`{${key}}`, () => options.labelRaw ?? safeEncode(scalar(value)));
    } else if (m?.location === 'query') {
      for (const v of Array.isArray(value) ? value : [value]) query.push([m.queryName ?? key, scalar(v)]);
    } else {
      body[key] = value;
    }
  }
  path = path.replace(/\{\w+\}/g, options.labelRaw ?? '');
  const hasBody = op.method === 'POST' || op.method === 'PUT' || Object.keys(body).length > 0;
  return {
    method: op.method,
    path,
    query: options.queryRaw ?? query,
    ...(hasBody ? { headers: { ...JSON_TYPE }, body: JSON.stringify(body) } : {}),
  };
}

/** A JSON value as it would appear in a path or query: strings as they are, anything else as JSON. */
const scalar = (value: Json): string => (typeof value === 'string' ? value : JSON.stringify(value));

function safeEncode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone surrogate has no UTF-8 form; send the bytes a careless client would.
    return Buffer.from(value, 'utf8').toString('hex').replace(/(..)/g, '%$1');
  }
}

/** The JSON body members of an input (label and query members travel elsewhere). */
const bodyOf = (op: ServedOperation, input: Record<string, Json>) =>
  Object.fromEntries(
    Object.entries(input).filter(([k]) => {
      const m = op.input.find((x) => x.name === k);
      return !m || m.location === 'body';
    }),
  );

function valueAt(input: Json, path: (string | number)[]): Json | undefined {
  let node: Json | undefined = input;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, Json>)[key];
  }
  return node;
}

/** Mutations of one member: wrong types, bad content, the base value with bad characters, omission. */
function memberCases(site: MemberSite, base: Record<string, Json>, rng: Prng) {
  const current = valueAt(base, site.path);
  const tier1: { label: string; value: Json | undefined }[] = [];
  const tier2: { label: string; value: Json | undefined }[] = [];
  const types = wrongTypes(site.shape);
  const contents = contentVariants(site.shape);
  if (current !== undefined) {
    tier1.push(rng.pick(types));
    if (typeof current === 'string') {
      tier1.push({ label: 'base + NUL', value: `${current}\u0000` });
      tier1.push({ label: 'base + lone surrogate', value: `${current}\ud800` });
      tier2.push(
        { label: 'base + control characters', value: `${current}\u0001\u001b[31m\u007f` },
        { label: 'base + line separator', value: `${current}\u2028\u2029` },
        { label: 'base + unicode spaces', value: `${current}\u00a0\u3000\ufeff` },
        { label: 'base + space', value: `${current} x` },
        { label: 'base + emoji', value: `${current}🙂` },
        { label: 'base + percent NUL', value: `${current}%00` },
        { label: 'base + dot segments', value: `${current}/../..` },
        { label: 'base, upper case', value: current.toUpperCase() },
        { label: 'base repeated to 300 characters', value: current.repeat(Math.ceil(300 / current.length)) },
      );
    }
    if (site.required) tier1.push({ label: 'omitted', value: undefined });
  } else {
    tier1.push(rng.pick([...types, ...contents]));
    tier2.push({ label: 'placeholder', value: placeholder(site.shape) });
  }
  tier2.push(...types, ...contents);
  return {
    tier1: tier1.map((v) => ({ ...v, label: `${site.path.join('.')}: ${v.label}` })),
    tier2: tier2.map((v) => ({ ...v, label: `${site.path.join('.')}: ${v.label}` })),
  };
}

/** Malformed whole bodies, content types and sizes, and structural attacks (nesting, prototype keys). */
function bodyCases(op: ServedOperation, base: Record<string, Json>, rng: Prng): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const template = requestOf(op, base);
  const json = JSON.stringify(bodyOf(op, base));
  const inner = json === '{}' ? '' : `,${json.slice(1, -1)}`;
  const add = (
    label: string,
    body: string | Buffer | undefined,
    headers: Record<string, string> = JSON_TYPE,
  ) =>
    cases.push({
      operation: op.name,
      label,
      request: { ...template, headers, ...(body === undefined ? { body: undefined } : { body }) },
      auth: { kind: 'admin' },
    });
  const firstBodyMember = op.input.find((m) => m.location === 'body');
  const stringSites = memberSites(op.input).filter(
    (s) => s.location === 'body' && s.shape.kind === 'string' && typeof s.path.at(-1) === 'string',
  );
  const listSites = memberSites(op.input).filter((s) => s.location === 'body' && s.shape.kind === 'list');
  const mapSites = memberSites(op.input).filter((s) => s.location === 'body' && s.shape.kind === 'map');

  cases.push({
    operation: op.name,
    label: 'base input (unmodified)',
    request: template,
    auth: { kind: 'admin' },
  });
  add('empty body', '');
  add('no body, no content type', undefined, {});
  if (json.length > 2) add('truncated JSON', json.slice(0, 1 + rng.int(json.length - 2)));
  add('trailing comma', json.replace(/}$/, ',}'));
  add('single quotes', json.replace(/"/g, "'"));
  add('random bytes', Buffer.from(Array.from({ length: 64 }, () => rng.int(256))));
  add(
    'invalid UTF-8 in a string',
    Buffer.concat([
      Buffer.from(`{"${firstBodyMember?.name ?? 'name'}":"`),
      Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
      Buffer.from('"}'),
    ]),
  );
  add('BOM before JSON', `\ufeff${json}`);
  add('trailing garbage', `${json}x`);
  add('two documents', `${json}${json}`);
  add('NaN and Infinity literals', `{"${firstBodyMember?.name ?? 'x'}":NaN,"y":Infinity}`);
  add('JSON null', 'null');
  add('JSON array', '[]');
  add('input inside an array', `[${json}]`);
  add('JSON string', '"fuzz"');
  add('JSON number', '123');
  add('JSON true', 'true');
  add('number overflow', '1e999');
  add('array nested 10000 deep', deeplyNested(10_000, 'array'));
  add('object nested 10000 deep', deeplyNested(10_000, 'object'));
  add('array nested 100000 deep', deeplyNested(100_000, 'array'));
  if (firstBodyMember) {
    const target = rng.pick(op.input.filter((m) => m.location === 'body'));
    add(
      `${target.name}: object nested 10000 deep`,
      JSON.stringify({ ...bodyOf(op, base), [target.name]: '\u0000DEEP' }).replace(
        '"\\u0000DEEP"',
        deeplyNested(10_000, 'object'),
      ),
    );
  }
  add('__proto__ at top level', `{"__proto__":{"polluted":"yes","isAdmin":true}${inner}}`);
  add('constructor.prototype at top level', `{"constructor":{"prototype":{"polluted":"yes"}}${inner}}`);
  add('prototype at top level', `{"prototype":{"polluted":"yes"}${inner}}`);
  add('input under __proto__', `{"__proto__":${json}}`);
  if (firstBodyMember)
    add('duplicate key, wrong value first', `{"${firstBodyMember.name}":{"$ne":null}${inner}}`);
  add('text/plain', json, { 'content-type': 'text/plain' });
  add('form encoded', 'name=fuzz&x=1', { 'content-type': 'application/x-www-form-urlencoded' });
  add('multipart', '--b\r\ncontent-disposition: form-data; name="x"\r\n\r\n1\r\n--b--\r\n', {
    'content-type': 'multipart/form-data; boundary=b',
  });
  add('UTF-16 JSON', Buffer.from(json, 'utf16le'), { 'content-type': 'application/json; charset=utf-16le' });
  add('JSON without content type', json, {});
  add('XML', '<fuzz/>', { 'content-type': 'application/xml' });
  add('x-amz-json-1.1', json, { 'content-type': 'application/x-amz-json-1.1' });
  add('upper-case content type', json, { 'content-type': 'APPLICATION/JSON' });
  add('garbage content type', json, { 'content-type': ';;;/=' });
  add('members all null', JSON.stringify(Object.fromEntries(op.input.map((m) => [m.name, null]))));
  if (stringSites.length > 0) {
    const site = rng.pick(stringSites);
    add(
      `${site.path.join('.')}: 1 MB string`,
      JSON.stringify(withValue(bodyOf(op, base), site, 'x'.repeat(ONE_MB))),
    );
  }
  const list = listSites.length > 0 ? rng.pick(listSites) : undefined;
  add(
    `${list ? list.path.join('.') : 'fuzzList (unknown member)'}: 100000 elements`,
    JSON.stringify(
      list
        ? withValue(
            bodyOf(op, base),
            list,
            Array.from({ length: 100_000 }, () =>
              placeholder(list.shape.kind === 'list' ? list.shape.member : list.shape),
            ),
          )
        : { ...bodyOf(op, base), fuzzList: Array.from({ length: 100_000 }, (_, i) => i) },
    ),
  );
  if (mapSites.length > 0) {
    const site = rng.pick(mapSites);
    add(
      `${site.path.join('.')}: 10000 entries`,
      JSON.stringify(
        withValue(
          bodyOf(op, base),
          site,
          Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 'v'])),
        ),
      ),
    );
  }
  if (stringSites.length > 0) {
    // A string site given a list of 100000 where one string is expected.
    const site = rng.pick(stringSites);
    add(
      `${site.path.join('.')}: 100000-element list instead of a string`,
      JSON.stringify(
        withValue(
          bodyOf(op, base),
          site,
          Array.from({ length: 100_000 }, () => 'x'),
        ),
      ),
    );
  }
  return cases;
}

function memberMutationCases(op: ServedOperation, base: Record<string, Json>, rng: Prng): FuzzCase[] {
  const sites = memberSites(op.input).filter((s) => s.location === 'body');
  const tier1: { label: string; value: Json | undefined; site: MemberSite }[] = [];
  const tier2: typeof tier1 = [];
  for (const site of sites) {
    const { tier1: a, tier2: b } = memberCases(site, base, rng);
    tier1.push(...a.map((v) => ({ ...v, site })));
    tier2.push(...b.map((v) => ({ ...v, site })));
  }
  const first = rng.sample(tier1, MEMBER_BUDGET);
  const chosen = [...first, ...rng.sample(tier2, Math.max(15, MEMBER_BUDGET - first.length))];
  return chosen.map(({ label, value, site }) => ({
    operation: op.name,
    label,
    request: requestOf(op, withValue(base, site, value)),
    auth: { kind: 'admin' },
  }));
}

/** Path labels (`/tags/{resourceArn}`) with traversal, NUL, bad escapes and extreme lengths; query oddities. */
function labelCases(op: ServedOperation, base: Record<string, Json>): FuzzCase[] {
  if (!op.input.some((m) => m.location === 'label')) return [];
  const arn = scalar(base.resourceArn ?? '');
  const raw: [string, string][] = [
    ['dot dot', '..'],
    ['dot', '.'],
    ['encoded traversal to /health', '..%2F..%2Fhealth'],
    ['encoded dot dot', '%2e%2e'],
    ['ARN then encoded traversal', `${safeEncode(arn)}%2F..%2F..%2F${SNAP.agent}`],
    ['ARN ending in dot dot', safeEncode(`${ARN_BASE}..`)],
    ['ARN with ../ to another identity', safeEncode(`${ARN_BASE}../${SNAP.agent}`)],
    ['%00 alone', '%00'],
    ['ARN then %00', `${safeEncode(arn)}%00`],
    ['ARN with %00 inside the name', `${safeEncode(ARN_BASE)}fz%00agent`],
    ['bad escape %ZZ', '%ZZ'],
    ['lone %', '%'],
    ['invalid UTF-8 %C3%28', '%C3%28'],
    ['UTF-8 of a lone surrogate', '%ED%A0%80'],
    ['raw Latin-1 byte', '\u00e9'],
    ['1011 characters', 'x'.repeat(1011)],
    ['1012 characters', 'x'.repeat(1012)],
    ['2048 characters', 'x'.repeat(2048)],
    ['3000 characters (beyond the router limit)', 'x'.repeat(3000)],
    ['ARN without a name', safeEncode('arn:aws:bedrock-agentcore:us-east-1:000000000000:workload-identity/')],
    ['ARN with a 1000-character name', safeEncode(`${ARN_BASE}${'n'.repeat(1000)}`)],
    ['API key provider ARN', safeEncode(`${PROVIDER_ARN_BASE}apikeycredentialprovider/${TARGET.key}`)],
    [
      'OAuth2 provider ARN then %00',
      `${safeEncode(`${PROVIDER_ARN_BASE}oauth2credentialprovider/${TARGET.oauth}`)}%00`,
    ],
    [
      'provider ARN of an unknown kind',
      safeEncode(`${PROVIDER_ARN_BASE}fuzzcredentialprovider/${TARGET.key}`),
    ],
    ['ARN naming __proto__', safeEncode(`${ARN_BASE}__proto__`)],
    ['ARN naming constructor', safeEncode(`${ARN_BASE}constructor`)],
    ['empty label', ''],
    ['ARN with a space', safeEncode(`${ARN_BASE}a b`)],
  ];
  const out: FuzzCase[] = raw.map(([label, labelRaw]) => ({
    operation: op.name,
    label: `path label: ${label}`,
    request: requestOf(op, base, { labelRaw }),
    auth: { kind: 'admin' },
  }));
  const query = op.input.find((m) => m.location === 'query');
  if (query) {
    const name = query.queryName ?? query.name;
    const queries: [string, [string, string][]][] = [
      ['no query', []],
      ['empty value', [[name, '']]],
      ['NUL value', [[name, '\u0000']]],
      ['201 values', Array.from({ length: 201 }, (_, i): [string, string] => [name, `k${i}`])],
      ['__proto__ value', [[name, '__proto__']]],
      [
        '__proto__ parameter',
        [
          ['__proto__', 'x'],
          [name, 'k'],
        ],
      ],
      ['bracketed name', [[`${name}[]`, 'k']]],
      ['indexed name', [[`${name}[0]`, 'k']]],
      ['129-character key', [[name, 'k'.repeat(129)]]],
    ];
    const raw: [string, string][] = [
      ['lone surrogate bytes', `${name}=%ED%A0%80`],
      ['invalid UTF-8', `${name}=%C3%28%FF`],
      ['bad escape', `${name}=%ZZ`],
      ['bare name', name],
      ['only separators', '&&&=&'],
    ];
    for (const [label, rawQuery] of raw)
      out.push({
        operation: op.name,
        label: `query: ${label}`,
        request: { ...requestOf(op, base), rawQuery },
        auth: { kind: 'admin' },
      });
    for (const [label, q] of queries)
      out.push({
        operation: op.name,
        label: `query: ${label}`,
        request: requestOf(op, base, { queryRaw: q }),
        auth: { kind: 'admin' },
      });
  }
  return out;
}

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8').toString('base64url');

/** `nextToken`s this service never issued, for the List operations. */
function nextTokenCases(op: ServedOperation, base: Record<string, Json>): FuzzCase[] {
  if (!op.input.some((m) => m.name === 'nextToken')) return [];
  const tokens: [string, Json][] = [
    ['garbage', 'garbage!!'],
    ['2048 characters', 'A'.repeat(2048)],
    ['2049 characters', 'A'.repeat(2049)],
    ['base64 of {}', b64({})],
    ['version only', b64({ v: 1 })],
    ['numeric after', b64({ v: 1, after: 5 })],
    ['NUL after', b64({ v: 1, after: '\u0000' })],
    ['NUL inside after', b64({ v: 1, after: 'snap\u0000agent' })],
    ['lone surrogate after', b64({ v: 1, after: '\ud800' })],
    ['control characters after', b64({ v: 1, after: '\u0001\u001f' })],
    ['SQL after', b64({ v: 1, after: "' OR '1'='1" })],
    ['LIKE wildcards after', b64({ v: 1, after: '%_\\' })],
    ['long after', b64({ v: 1, after: 'z'.repeat(1500) })],
    ['empty after', b64({ v: 1, after: '' })],
    ['after the end', b64({ v: 1, after: '\uffff' })],
    ['future version', b64({ v: 2, after: 'a' })],
    ['__proto__ token', b64('{"__proto__":{"v":1,"after":"a"}}')],
    ['JSON null token', b64('null')],
    ['JSON array token', b64('[1]')],
    ['deeply nested token', b64(deeplyNested(700, 'array'))],
    ['standard base64 with padding', Buffer.from(JSON.stringify({ v: 1, after: 'a?>' })).toString('base64')],
    ['object instead of string', { v: 1, after: 'a' }],
    ['number', 7],
  ];
  return tokens.map(([label, nextToken]) => ({
    operation: op.name,
    label: `forged nextToken: ${label}`,
    request: requestOf(op, { ...base, nextToken }),
    auth: { kind: 'admin' },
  }));
}

/** Garbage, truncated, tampered and forged workload access tokens. */
function watCases(
  op: ServedOperation,
  base: Record<string, Json>,
  ctx: Context & { expiredWat: string },
  rng: Prng,
): FuzzCase[] {
  if (!op.input.some((m) => m.name === 'workloadIdentityToken')) return [];
  const real = ctx.userWat;
  const parts = real.split('.');
  const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, Json>;
  const forged = (h: Json, rest = parts.slice(1).join('.')) => `${b64(h)}.${rest}`;
  const flip = (token: string, at: number) =>
    token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
  const randomB64 = (n: number) =>
    rng.chars(n, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
  const tokens: [string, string][] = [
    ['one character', 'x'],
    ['five empty parts', '....'],
    ['three-part JWT', FAKE_JWT],
    ['truncated to 10', real.slice(0, 10)],
    ['truncated to half', real.slice(0, Math.floor(real.length / 2))],
    ['missing last character', real.slice(0, -1)],
    ['extra part', `${real}.x`],
    ['four parts', parts.slice(0, 4).join('.')],
    ['header flipped', flip(real, 5)],
    ['iv flipped', flip(real, parts[0]!.length + 3)],
    ['ciphertext flipped', flip(real, parts[0]!.length + 2 + parts[2]!.length + 3)],
    ['tag flipped', flip(real, real.length - 3)],
    ['expired', ctx.expiredWat],
    ['other token mixed in', [...parts.slice(0, 3), ctx.wat.split('.')[3], parts[4]].join('.')],
    ['kid __proto__', forged({ ...header, kid: '__proto__' })],
    ['kid constructor', forged({ ...header, kid: 'constructor' })],
    ['kid number', forged({ ...header, kid: 7 })],
    ['kid NUL', forged({ ...header, kid: '\u0000' })],
    ['typ missing', forged({ alg: 'dir', enc: 'A256GCM', kid: header.kid ?? '' })],
    ['alg none', forged({ ...header, alg: 'none' })],
    ['header null', forged(null)],
    ['header array', forged([])],
    ['header not base64', `!!!.${parts.slice(1).join('.')}`],
    ['short iv', [parts[0], '', randomB64(4), parts[3], parts[4]].join('.')],
    ['long tag', [parts[0], '', parts[2], parts[3], randomB64(40)].join('.')],
    ['empty ciphertext', [parts[0], '', parts[2], '', parts[4]].join('.')],
    ['random parts', [parts[0], '', randomB64(16), randomB64(200), randomB64(22)].join('.')],
    ['encrypted key part set', [parts[0], 'AAAA', ...parts.slice(2)].join('.')],
    ['NUL inside', `${real.slice(0, 20)}\u0000${real.slice(20)}`],
    ['lone surrogate inside', `${real.slice(0, 20)}\ud800${real.slice(21)}`],
    ['131072 characters', real + 'A'.repeat(131_072 - real.length)],
    ['131073 characters', 'A'.repeat(131_073)],
  ];
  return tokens.map(([label, token]) => ({
    operation: op.name,
    label: `workloadIdentityToken: ${label}`,
    request: requestOf(op, { ...base, workloadIdentityToken: token }),
    auth: { kind: 'admin' },
  }));
}

/** Unsigned and badly signed requests: each must be refused with a 4xx in the error shape. */
function signingCases(op: ServedOperation, base: Record<string, Json>, admin: Credentials): FuzzCase[] {
  const template = requestOf(op, base);
  const header = (name: string, value: string | string[] | undefined) => (r: RawRequest) => {
    const headers = { ...r.headers };
    if (value === undefined) delete headers[name];
    else headers[name] = value;
    return { ...r, headers };
  };
  const authz = (f: (value: string) => string | string[]) => (r: RawRequest) =>
    header('authorization', f(String(r.headers?.authorization)))(r);
  const variants: [string, Auth][] = [
    ['unsigned', { kind: 'none' }],
    [
      'unknown access key',
      {
        kind: 'custom',
        options: { credentials: { accessKeyId: 'MDAKFUZZUNKNOWN00001', secretAccessKey: 'x' } },
      },
    ],
    ['wrong secret', { kind: 'custom', options: { credentials: { ...admin, secretAccessKey: 'wrong' } } }],
    ['signed an hour ago', { kind: 'custom', options: { signingDate: new Date(Date.now() - 3_600_000) } }],
    ['signed in a day', { kind: 'custom', options: { signingDate: new Date(Date.now() + 86_400_000) } }],
    ['wrong region', { kind: 'custom', options: { region: 'eu-west-9' } }],
    ['wrong service', { kind: 'custom', options: { service: 's3' } }],
    [
      'body changed after signing',
      { kind: 'custom', tamper: (r) => ({ ...r, body: `${String(r.body ?? '')} ` }) },
    ],
    ['path changed after signing', { kind: 'custom', tamper: (r) => ({ ...r, path: `${r.path}x` }) }],
    [
      'query added after signing',
      { kind: 'custom', tamper: (r) => ({ ...r, query: [...(r.query ?? []), ['x', '1']] }) },
    ],
    ['x-amz-date removed', { kind: 'custom', tamper: header('x-amz-date', undefined) }],
    ['x-amz-date garbage', { kind: 'custom', tamper: header('x-amz-date', '2024-13-45T99:99:99Z') }],
    ['x-amz-date month 13', { kind: 'custom', tamper: header('x-amz-date', '20241301T000000Z') }],
    ['authorization garbage', { kind: 'custom', tamper: header('authorization', 'garbage') }],
    ['algorithm only', { kind: 'custom', tamper: header('authorization', 'AWS4-HMAC-SHA256') }],
    [
      'lower-case algorithm',
      { kind: 'custom', tamper: authz((v) => v.replace('AWS4-HMAC-SHA256', 'aws4-hmac-sha256')) },
    ],
    [
      'signature upper case',
      {
        kind: 'custom',
        tamper: authz((v) => v.replace(/Signature=(\w+)/, (_, s: string) => `Signature=${s.toUpperCase()}`)),
      },
    ],
    ['signature shortened', { kind: 'custom', tamper: authz((v) => v.slice(0, -2)) }],
    [
      'credential scope with extra parts',
      { kind: 'custom', tamper: authz((v) => v.replace('/aws4_request', '/aws4_request/x/y')) },
    ],
    [
      'credential with NUL',
      { kind: 'custom', tamper: authz((v) => v.replace('Credential=', 'Credential=%00')) },
    ],
    [
      'host not signed',
      { kind: 'custom', tamper: authz((v) => v.replace(/SignedHeaders=[^,]+/, 'SignedHeaders=x-amz-date')) },
    ],
    [
      'signed header missing',
      { kind: 'custom', tamper: authz((v) => v.replace(/SignedHeaders=/, 'SignedHeaders=x-fuzz;')) },
    ],
    [
      'a bad authorization header before the good one',
      {
        kind: 'custom',
        tamper: authz((v) => [v.replace(/Signature=\w+/, `Signature=${'0'.repeat(64)}`), v]),
      },
    ],
    ['8 KB authorization header', { kind: 'custom', tamper: authz((v) => `${v}${'A'.repeat(8_000)}`) }],
    [
      'wrong x-amz-content-sha256',
      { kind: 'custom', tamper: header('x-amz-content-sha256', '0'.repeat(64)) },
    ],
    [
      'bearer token instead',
      { kind: 'custom', tamper: header('authorization', 'Bearer eyJhbGciOiJub25lIn0.e30.') },
    ],
  ];
  return variants
    .filter(([label]) => template.body !== undefined || !label.startsWith('body changed'))
    .map(([label, auth]) => ({
      operation: op.name,
      label: `signature: ${label}`,
      request: template,
      auth,
      mustRefuse: true,
    }));
}

/** Routes that are not operations: unknown names, wrong methods, the public callback and codec endpoints. */
function routeCases(rng: Prng): FuzzCase[] {
  const admin: Auth = { kind: 'admin' };
  const body = { headers: JSON_TYPE, body: '{}' };
  const cases: FuzzCase[] = [
    {
      operation: '(unknown)',
      label: 'unknown operation',
      request: { method: 'POST', path: '/identities/NoSuchOperation', ...body },
      auth: admin,
    },
    {
      operation: '(unknown)',
      label: 'lower-case operation',
      request: { method: 'POST', path: '/identities/getworkloadidentity', ...body },
      auth: admin,
    },
    {
      operation: '(unknown)',
      label: 'GET on a POST operation',
      request: { method: 'GET', path: '/identities/GetWorkloadIdentity' },
      auth: admin,
    },
    {
      operation: '(unknown)',
      label: 'PUT on a POST operation',
      request: { method: 'PUT', path: '/identities/GetWorkloadIdentity', ...body },
      auth: admin,
    },
    {
      operation: '(unknown)',
      label: 'PATCH on a POST operation',
      request: { method: 'PATCH', path: '/identities/GetWorkloadIdentity', ...body },
      auth: admin,
    },
    {
      operation: '(unknown)',
      label: 'trailing slash',
      request: { method: 'POST', path: '/identities/GetWorkloadIdentity/', ...body },
      auth: admin,
    },
    {
      operation: '(unknown)',
      label: 'double slash',
      request: { method: 'POST', path: '//identities//GetWorkloadIdentity', ...body },
      auth: admin,
    },
    {
      operation: '(unknown)',
      label: 'dot segments',
      request: { method: 'POST', path: '/identities/../identities/GetWorkloadIdentity', ...body },
      auth: admin,
    },
    {
      operation: '(unknown)',
      label: 'encoded operation name',
      request: { method: 'POST', path: '/identities/Get%57orkloadIdentity', ...body },
      auth: admin,
    },
    {
      operation: '(unknown)',
      label: 'NUL in path',
      request: { method: 'POST', path: '/identities/GetWorkloadIdentity%00', ...body },
      auth: admin,
    },
    {
      operation: '(unknown)',
      label: 'bad escape in path',
      request: { method: 'POST', path: '/identities/%ZZ', ...body },
      auth: admin,
    },
    {
      operation: '(unknown)',
      label: 'very long path',
      request: { method: 'POST', path: `/identities/${'A'.repeat(4000)}`, ...body },
      auth: admin,
    },
    {
      operation: '(unknown)',
      label: 'unsigned unknown path',
      request: { method: 'POST', path: '/nothing/here', ...body },
      auth: { kind: 'none' },
    },
    {
      operation: '(unknown)',
      label: 'OPTIONS on an operation',
      request: { method: 'OPTIONS', path: '/identities/GetWorkloadIdentity' },
      auth: { kind: 'none' },
    },
  ];
  const callback = (label: string, path: string) =>
    cases.push({
      operation: '(oauth2 callback)',
      label,
      request: { method: 'GET', path },
      auth: { kind: 'none' },
      statusOnly: true,
    });
  callback('unknown callback id', '/identities/oauth2/callback/nope?state=x&code=y');
  callback('no query', '/identities/oauth2/callback/nope');
  callback('NUL id', '/identities/oauth2/callback/%00?state=%00');
  callback('long state', `/identities/oauth2/callback/x?state=${'s'.repeat(5000)}&code=c`);
  callback('repeated state', '/identities/oauth2/callback/x?state=a&state=b&code=c&code=d');
  callback('error only', '/identities/oauth2/callback/x?error=access_denied&error_description=%3Cscript%3E');
  callback('bad escapes', '/identities/oauth2/callback/%ZZ?state=%ZZ');
  callback('__proto__ query', '/identities/oauth2/callback/x?__proto__=1&constructor=2');
  const codec = (label: string, path: string, request: Partial<RawRequest>) =>
    cases.push({
      operation: '(codec)',
      label,
      request: { method: 'POST', path, ...request },
      auth: { kind: 'none' },
    });
  codec('decode without token', '/codec/decode', body);
  codec('decode with a wrong bearer', '/codec/decode', {
    headers: { ...JSON_TYPE, authorization: 'Bearer nope' },
    body: '{"payloads":[]}',
  });
  codec('encode with a garbage cookie', '/codec/encode', {
    headers: { ...JSON_TYPE, cookie: 'mandate_codec=;;;' },
    body: '{"payloads":[{"data":1}]}',
  });
  codec('decode with invalid JSON', '/codec/decode', { headers: JSON_TYPE, body: '{"payloads":' });
  codec('decode with random bytes', '/codec/decode', {
    headers: JSON_TYPE,
    body: Buffer.from(Array.from({ length: 32 }, () => rng.int(256))),
  });
  cases.push({
    operation: '(codec)',
    label: 'session with a wrong token',
    request: { method: 'GET', path: '/codec/session', query: [['token', 'x']] },
    auth: { kind: 'none' },
  });
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Running and judging

interface Finding {
  operation: string;
  label: string;
  request: string;
  status: number | 'no answer';
  type?: string;
  problem: string;
  body: string;
  requestId?: string;
}

const preview = (value: string | Buffer | undefined, max = 300) => {
  const text = value === undefined ? '' : Buffer.isBuffer(value) ? `<${value.length} bytes>` : value;
  return text.length > max
    ? `${JSON.stringify(text.slice(0, max))}…(${text.length} chars)`
    : JSON.stringify(text);
};

async function pool<T>(items: T[], size: number, run: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await run(items[next++]!);
    }),
  );
}

describe('input fuzz over every operation Mandate serves', () => {
  let test: TestStack;
  let control: BedrockAgentCoreControlClient;
  let data: BedrockAgentCoreClient;
  let operations: ServedOperation[];
  let ctx: Context & { expiredWat: string };
  let before_: Awaited<ReturnType<typeof snapshot>>;
  let prototypeKeys: string[];

  async function snapshot() {
    const strip = <T extends { $metadata?: unknown }>({ $metadata: _, ...rest }: T) => rest;
    const wat = (await data.send(new GetWorkloadAccessTokenCommand({ workloadName: SNAP.agent })))
      .workloadAccessToken!;
    const authorizer = await test.extension('GetWorkloadIdentityAuthorizer', { name: SNAP.agent });
    const tagsOf = (resourceArn: string) =>
      control.send(new ListTagsForResourceCommand({ resourceArn })).then(
        (r) => r.tags,
        (err: Error) => `refused: ${err.name}`,
      );
    const oauth2 = strip(await control.send(new GetOauth2CredentialProviderCommand({ name: SNAP.oauth })));
    const apiKeyProvider = strip(
      await control.send(new GetApiKeyCredentialProviderCommand({ name: SNAP.key })),
    );
    return {
      workload: strip(await control.send(new GetWorkloadIdentityCommand({ name: SNAP.agent }))),
      tags: await tagsOf(ARN_BASE + SNAP.agent),
      oauth2,
      oauth2Tags: await tagsOf(oauth2.credentialProviderArn!),
      apiKeyProvider,
      apiKeyProviderTags: await tagsOf(apiKeyProvider.credentialProviderArn!),
      apiKey: (
        await data.send(
          new GetResourceApiKeyCommand({
            workloadIdentityToken: wat,
            resourceCredentialProviderName: SNAP.key,
          }),
        )
      ).apiKey,
      vault: strip(await control.send(new GetTokenVaultCommand({}))),
      authorizer: { status: authorizer.status, type: authorizer.type },
    };
  }

  before(async () => {
    test = await startTestStack(await testStackEnv({ LOG_LEVEL: process.env.FUZZ_LOG_LEVEL ?? 'error' }));
    control = test.control();
    data = test.data();
    for (const name of [SNAP.agent, TARGET.agent])
      await control.send(
        new CreateWorkloadIdentityCommand({
          name,
          allowedResourceOauth2ReturnUrls: [RETURN_URL],
          tags: { team: 'snapshot', owner: name },
        }),
      );
    for (const name of [SNAP.oauth, TARGET.oauth])
      await control.send(
        new CreateOauth2CredentialProviderCommand({
          name,
          credentialProviderVendor: 'CustomOauth2',
          oauth2ProviderConfigInput: oauthConfig(`${name}-client`) as never,
        }),
      );
    for (const name of [SNAP.key, TARGET.key])
      await control.send(new CreateApiKeyCredentialProviderCommand({ name, apiKey: `sk-${name}` }));
    const wat = (await data.send(new GetWorkloadAccessTokenCommand({ workloadName: SNAP.agent })))
      .workloadAccessToken!;
    const userWat = (
      await data.send(
        new GetWorkloadAccessTokenForUserIdCommand({ workloadName: SNAP.agent, userId: 'fuzz-user' }),
      )
    ).workloadAccessToken!;
    const expiredWat = await test.stack.runtime.workloadAccessTokens.mint({
      workloadName: SNAP.agent,
      user: { kind: 'userId', userId: 'fuzz-user' },
      notAfter: Math.floor(Date.now() / 1000) - 60,
    });
    ctx = { wat, userWat, expiredWat };
    operations = await servedOperations();
    before_ = await snapshot();
    prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
  });

  after(async () => {
    closeAgent();
    await test?.destroy();
  });

  it('serves each AgentCore operation at the method and path of its AWS SDK model', () => {
    const mismatched = operations
      .filter((op) => op.source !== 'extension')
      .filter((op) => op.served.method !== op.method || op.served.path !== op.path)
      .map((op) => `${op.name}: serves ${op.served.method} ${op.served.path}, model ${op.method} ${op.path}`);
    assert.deepEqual(mismatched, []);
    const missing = operations.filter((op) => !FIXTURES[op.name]).map((op) => op.name);
    assert.deepEqual(missing, [], 'every served operation needs a fuzz fixture');
    const unmodelled = operations
      .filter((op) => op.source === 'extension' && !EXTENSION_MODELS[op.name])
      .map((op) => op.name);
    assert.deepEqual(unmodelled, [], 'every extension operation needs a member model here');
  });

  it('answers malformed input with restJson1 refusals and never with a 5xx', async (t) => {
    const rng = new Prng(SEED);
    const admin = test.adminCredentials();
    const cases: FuzzCase[] = [];
    for (const op of operations) {
      const fixture = FIXTURES[op.name];
      if (!fixture) continue;
      const base = fixture(ctx);
      cases.push(
        ...bodyCases(op, base, rng),
        ...memberMutationCases(op, base, rng),
        ...labelCases(op, base),
        ...nextTokenCases(op, base),
        ...watCases(op, base, ctx, rng),
      );
    }
    // Signatures are checked the same way for every operation: a read, a write and a data-plane call.
    for (const name of [
      'GetWorkloadIdentity',
      'CreateWorkloadIdentity',
      'GetResourceApiKey',
      'ListTagsForResource',
    ]) {
      const op = operations.find((o) => o.name === name)!;
      const base = name === 'CreateWorkloadIdentity' ? { name: 'fz-auth-probe' } : FIXTURES[name]!(ctx);
      cases.push(...signingCases(op, base, admin));
    }
    cases.push(...routeCases(rng));
    // Tokens minted for odd user ids, then used: the user id travels into sessions and connections.
    const userIds = stringVariants().filter((v) => v.value.length >= 1 && v.value.length <= 128);

    const url = new URL(test.stack.apiUrl);
    const region = test.stack.config.deployment.region;
    const perOperation = new Map<string, { sent: number; statuses: Map<number | string, number> }>();
    const fivexx: Finding[] = [];
    const unshaped: Finding[] = [];
    const accepted: Finding[] = [];
    const baseAnswers = new Map<string, string>();
    let largestAnswer = { bytes: 0, operation: '', label: '' };
    let slowest = { ms: 0, operation: '', label: '' };
    const started = Date.now();

    const run = async (c: FuzzCase) => {
      let request = c.request;
      if (c.auth.kind !== 'none') {
        const options: SignOptions = {
          credentials: admin,
          region,
          ...(c.auth.kind === 'custom' ? c.auth.options : {}),
        };
        try {
          request = { ...request, headers: await sign(request, url.host, options) };
        } catch (err) {
          // A request the AWS SDK could not sign either; the harness, not the service, is wrong.
          throw new Error(`cannot sign ${c.operation} / ${c.label}: ${(err as Error).message}`);
        }
        if (c.auth.kind === 'custom' && c.auth.tamper) request = c.auth.tamper(request);
      }
      const stats = perOperation.get(c.operation) ?? { sent: 0, statuses: new Map() };
      perOperation.set(c.operation, stats);
      stats.sent += 1;
      const described = `${request.method} ${request.path.length > 400 ? `${request.path.slice(0, 400)}…` : request.path}${
        request.rawQuery !== undefined
          ? `?${request.rawQuery}`
          : request.query?.length
            ? ` ?${request.query.length} params`
            : ''
      } body ${preview(request.body)}`;
      let answer: Answer;
      try {
        answer = await sendRaw(url, request);
      } catch (err) {
        stats.statuses.set('no answer', (stats.statuses.get('no answer') ?? 0) + 1);
        fivexx.push({
          operation: c.operation,
          label: c.label,
          request: described,
          status: 'no answer',
          problem: (err as Error).message,
          body: '',
        });
        return;
      }
      const type = answer.headers['x-amzn-errortype'];
      stats.statuses.set(answer.status, (stats.statuses.get(answer.status) ?? 0) + 1);
      if (c.label === 'base input (unmodified)')
        baseAnswers.set(c.operation, `${answer.status} ${String(type ?? '')}`.trim());
      if (answer.body.length > largestAnswer.bytes)
        largestAnswer = { bytes: answer.body.length, operation: c.operation, label: c.label };
      if (answer.ms > slowest.ms) slowest = { ms: answer.ms, operation: c.operation, label: c.label };
      const finding = (problem: string): Finding => ({
        operation: c.operation,
        label: c.label,
        request: described,
        status: answer.status,
        ...(typeof type === 'string' ? { type } : {}),
        problem,
        body: preview(answer.body.toString('utf8'), 500),
        ...(typeof answer.headers['x-amzn-requestid'] === 'string'
          ? { requestId: answer.headers['x-amzn-requestid'] }
          : {}),
      });
      if (answer.status >= 500) fivexx.push(finding(`status ${answer.status}`));
      else if (c.statusOnly) return;
      else if (answer.status >= 300) {
        const problem = shapeProblem(answer);
        if (problem) unshaped.push(finding(problem));
      } else if (c.mustRefuse) accepted.push(finding('a request that must be refused was accepted'));
      return answer;
    };

    await pool(cases, CONCURRENCY, async (c) => {
      await run(c);
    });
    // Second stage: tokens for odd user ids, used where the user id goes further.
    const forUserId = operations.find((o) => o.name === 'GetWorkloadAccessTokenForUserId')!;
    const chained: FuzzCase[] = [];
    for (const { label, value } of userIds) {
      const answer = await run({
        operation: forUserId.name,
        label: `userId for chained calls: ${label}`,
        request: requestOf(forUserId, { workloadName: SNAP.agent, userId: value }),
        auth: { kind: 'admin' },
      });
      if (!answer || answer.status !== 200) continue;
      const token = (JSON.parse(answer.body.toString('utf8')) as { workloadAccessToken: string })
        .workloadAccessToken;
      for (const name of ['GetResourceOauth2Token', 'RevokeResourceOauth2Connection', 'GetResourceApiKey']) {
        const op = operations.find((o) => o.name === name)!;
        chained.push({
          operation: name,
          label: `token of userId ${label}`,
          request: requestOf(op, { ...FIXTURES[name]!(ctx), workloadIdentityToken: token }),
          auth: { kind: 'admin' },
        });
      }
    }
    await pool(chained, CONCURRENCY, async (c) => {
      await run(c);
    });
    const elapsed = Date.now() - started;

    const total = [...perOperation.values()].reduce((n, s) => n + s.sent, 0);
    const noAnswer = fivexx.filter((f) => f.status === 'no answer').length;
    const counts = [...perOperation.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, s]) => `${name}=${s.sent}`)
      .join(' ');
    const line =
      `input fuzz (seed ${SEED}): ${total} requests in ${elapsed} ms; answers >= 500: ${fivexx.length - noAnswer}; no answer: ${noAnswer}; ` +
      `unshaped refusals: ${unshaped.length}; bad signatures accepted: ${accepted.length}; ` +
      `largest answer ${largestAnswer.bytes} bytes (${largestAnswer.operation}: ${largestAnswer.label}); ` +
      `slowest ${slowest.ms} ms (${slowest.operation}: ${slowest.label}); per operation: ${counts}`;
    t.diagnostic(line);
    process.stderr.write(`${line}\n`);
    const statusTable = [...perOperation.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([name, s]) =>
          `  ${name}: ${[...s.statuses.entries()].map(([k, v]) => `${k}×${v}`).join(' ')}` +
          (baseAnswers.has(name) ? ` (unmodified input: ${baseAnswers.get(name)})` : ''),
      )
      .join('\n');
    process.stderr.write(`statuses per operation:\n${statusTable}\n`);
    for (const [title, list] of [
      ['answers >= 500 or no answer', fivexx],
      ['unshaped refusals', unshaped],
      ['bad signatures accepted', accepted],
    ] as const) {
      for (const f of list) process.stderr.write(`${title}: ${JSON.stringify(f)}\n`);
    }
    if (process.env.FUZZ_REPORT)
      writeFileSync(
        process.env.FUZZ_REPORT,
        JSON.stringify(
          {
            line,
            fivexx,
            unshaped,
            accepted,
            perOperation: Object.fromEntries(
              [...perOperation].map(([k, v]) => [
                k,
                { sent: v.sent, statuses: Object.fromEntries(v.statuses) },
              ]),
            ),
          },
          null,
          2,
        ),
      );
    assert.equal(fivexx.length, 0, `${fivexx.length} answers >= 500 or no answer (details on stderr)`);
    assert.equal(unshaped.length, 0, `${unshaped.length} refusals not in the restJson1 error shape`);
    assert.equal(accepted.length, 0, `${accepted.length} badly signed requests were accepted`);
  });

  it('leaves the resources created before the fuzz unchanged', async () => {
    assert.deepStrictEqual(await snapshot(), before_);
    // The badly signed CreateWorkloadIdentity calls created nothing.
    await rejects(
      control.send(new GetWorkloadIdentityCommand({ name: 'fz-auth-probe' })),
      ResourceNotFoundException,
    );
    // No request polluted the prototype of every object in the process that served it.
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeKeys);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('is healthy afterwards and still serves real calls', async () => {
    const health = await fetch(new URL('/health', test.stack.apiUrl));
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');
    const created = await control.send(new CreateWorkloadIdentityCommand({ name: 'after-fuzz-agent' }));
    assert.equal(created.$metadata.httpStatusCode, 201);
    const listed = await control.send(new ListWorkloadIdentitiesCommand({ maxResults: 20 }));
    assert.ok((listed.workloadIdentities ?? []).length > 0);
    const wat = (await data.send(new GetWorkloadAccessTokenCommand({ workloadName: 'after-fuzz-agent' })))
      .workloadAccessToken!;
    const key = await data.send(
      new GetResourceApiKeyCommand({ workloadIdentityToken: wat, resourceCredentialProviderName: SNAP.key }),
    );
    assert.equal(key.apiKey, `sk-${SNAP.key}`);
  });

  it('keeps the audit log hash chain intact through the fuzz', async () => {
    const verified = await test.extension('VerifyAuditLog', {});
    assert.equal(verified.status, 200);
    assert.ok((verified.body.events as number) > 0);
    if (verified.body.intact !== true) {
      const at = verified.body.brokenAtSequence as number;
      const listed = await test.extension('ListAuditEvents', { afterSequence: at - 1, maxResults: 1 });
      assert.fail(`audit chain broken at ${at}: ${JSON.stringify(listed.body.events)}`);
    }
  });

  it('records the audit events of other calls while unsigned calls name a resource with NUL', async () => {
    const url = new URL(test.stack.apiUrl);
    const allEvents = async () => {
      let all: { operation: string; resource?: string }[] = [];
      for (let after: number | undefined = 0; after !== undefined;) {
        const page = await test.extension('ListAuditEvents', { afterSequence: after, maxResults: 1000 });
        all = [...all, ...(page.body.events as typeof all)];
        after = page.body.nextSequence as number | undefined;
      }
      return all;
    };
    const names = Array.from({ length: 10 }, (_, i) => `audit-probe-${i}`);
    // A steady stream of unsigned calls naming `nul\u0000agent` while the creates run, so the audit
    // log's batches hold both kinds of event.
    let flooding = true;
    const flood = Array.from({ length: 4 }, async () => {
      while (flooding)
        await sendRaw(url, {
          method: 'POST',
          path: '/identities/GetWorkloadIdentity',
          headers: { ...JSON_TYPE },
          body: '{"name":"nul\\u0000agent"}',
        });
    });
    for (const name of names) await control.send(new CreateWorkloadIdentityCommand({ name }));
    flooding = false;
    await Promise.all(flood);
    const recorded = new Set(
      (await allEvents()).filter((e) => e.operation === 'CreateWorkloadIdentity').map((e) => e.resource),
    );
    assert.deepEqual(
      names.filter((n) => !recorded.has(n)),
      [],
      'every successful CreateWorkloadIdentity is in the audit log',
    );
  });
});
