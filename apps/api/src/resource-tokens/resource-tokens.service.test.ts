import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import type { WatUser, WorkloadAccessToken } from '../../../../libs/auth/workload-access-token';
import type {
  AuthSession,
  SessionSecrets,
  SessionsRepository,
} from '../../../../libs/consent/sessions.repository';
import { connectionId, UserKeys } from '../../../../libs/consent/user-key';
import type { OAuthClients, ProviderClient } from '../../../../libs/oauth/oauth-client';
import type {
  Oauth2ProviderRecord,
  Oauth2ProvidersRepository,
} from '../../../../libs/providers/oauth2-providers.repository';
import type { Oauth2ProviderConfig } from '../../../../libs/providers/provider-config';
import { SecretError } from '../../../../libs/secrets/secret-store';
import type { ConnectionsRepository, StoredConnection } from '../../../../libs/vault/connections.repository';
import {
  InternalServerException,
  ResourceNotFoundException,
  ValidationException,
} from '../../../../libs/wire/errors';
import type { WorkloadIdentityRecord } from '../../../../libs/workload-identities/workload-identities.repository';
import { DelegatedTokens } from './delegated-tokens';
import type { RenewalTarget, Renewed } from './renewals';
import type { GetResourceOauth2TokenInput } from './resource-tokens.schemas';
import { ResourceTokensService } from './resource-tokens.service';
import { UserConsent } from './user-consent';

const MAX_MARGIN_MS = 60_000;
const PROVIDER = 'crm';
const WORKLOAD = 'crm-agent';
const RETURN_URL = 'https://agent.example.com/back';
const CLIENT_SECRET = 'client-secret-value-9f2c';
const ALICE: WatUser = { kind: 'userId', userId: 'alice' };

type AuthorizationRequest = Parameters<OAuthClients['authorizationUrl']>[1];

const provider = (config: Partial<Oauth2ProviderConfig> = {}): Oauth2ProviderRecord => ({
  name: PROVIDER,
  vendor: 'CustomOauth2',
  config: {
    member: 'customOauth2ProviderConfig',
    clientId: 'client-1',
    discovery: { discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration' },
    ...config,
  },
  secret: {
    source: 'MANAGED',
    ref: { arn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:crm', jsonKey: 'clientSecret' },
  },
  callbackId: '4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
  tags: {},
  createdAt: new Date(0),
  updatedAt: new Date(0),
});

const WITH_EXCHANGE: Partial<Oauth2ProviderConfig> = {
  onBehalfOfTokenExchangeConfig: { grantType: 'TOKEN_EXCHANGE' },
};

const workload: WorkloadIdentityRecord = {
  name: WORKLOAD,
  allowedReturnUrls: [RETURN_URL],
  tags: {},
  createdAt: new Date(0),
  updatedAt: new Date(0),
};

/** A stored token that lives `lifeMs` in total and was obtained `ageMs` ago (the clock is real). */
function stored(
  accessToken: string,
  {
    lifeMs = 3_600_000,
    ageMs = 0,
    scopes = ['read'],
  }: { lifeMs?: number; ageMs?: number; scopes?: string[] } = {},
): StoredConnection {
  const obtainedAt = Date.now() - ageMs;
  return {
    connection: {
      id: 'stored',
      workloadName: WORKLOAD,
      providerName: PROVIDER,
      userHash: 'u2.someone',
      scopes,
      obtainedAt: new Date(obtainedAt),
      expiresAt: new Date(obtainedAt + lifeMs),
    },
    tokens: { accessToken, refreshToken: 'stored-refresh' },
  };
}
/** 10 s left of a 60 s life: still valid, but inside its 15 s margin. */
const pastMargin = (accessToken: string, scopes?: string[]) =>
  stored(accessToken, { lifeMs: 60_000, ageMs: 50_000, ...(scopes ? { scopes } : {}) });

const wat = (extra: Partial<WorkloadAccessToken> = {}): WorkloadAccessToken => ({
  workloadName: WORKLOAD,
  expiresAt: Date.now() + 3_600_000,
  ...extra,
});

/** A user JWT as the workload access token carries it (verified when the WAT was minted, so unsigned here). */
const userJwt = (claims: Record<string, unknown>) =>
  [{ alg: 'RS256', typ: 'JWT' }, claims]
    .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
    .join('.') + '.c2lnbmF0dXJl';

const request = (
  oauth2Flow: GetResourceOauth2TokenInput['oauth2Flow'],
  extra: Partial<GetResourceOauth2TokenInput> = {},
): GetResourceOauth2TokenInput => ({
  workloadIdentityToken: 'opaque-wat',
  resourceCredentialProviderName: PROVIDER,
  scopes: ['read'],
  oauth2Flow,
  ...extra,
});

interface WorldOptions {
  /** What the vault holds for any connection asked for. */
  stored?: StoredConnection;
  /** What the fake `renewAndRead` answers. */
  renewed?: Renewed;
  provider?: Oauth2ProviderRecord;
  readSecret?: () => Promise<string>;
}

/** The service on real DelegatedTokens and UserConsent, with every dependency an in-memory fake that records its calls. */
function world(options: WorldOptions = {}) {
  const events: string[] = [];
  const reads: string[] = [];
  const renewals: { target: RenewalTarget; seen: Date | undefined }[] = [];
  const subjects: { connectionId: string; subjectToken: string; expiresAt: Date }[] = [];
  const sessions: { session: Omit<AuthSession, 'status'>; state: string; secrets: SessionSecrets }[] = [];
  const authorizations: { client: ProviderClient; request: AuthorizationRequest }[] = [];
  const starts: unknown[][] = [];
  const record = options.provider ?? provider();

  const connections = {
    read: (id: string) => {
      reads.push(id);
      return Promise.resolve(options.stored);
    },
  };
  const renewal = {
    renewAndRead: (target: RenewalTarget, seen: Date | undefined) => {
      events.push('renew');
      renewals.push({ target, seen });
      return Promise.resolve(options.renewed ?? {});
    },
  };
  const userKeys = new UserKeys(randomBytes(32));

  const delegated = new DelegatedTokens({
    connections,
    subjects: {
      save: (id: string, subjectToken: string, expiresAt: Date) => {
        events.push('save subject');
        subjects.push({ connectionId: id, subjectToken, expiresAt });
        return Promise.resolve();
      },
    },
    userKeys,
    renewals: renewal,
    maxMarginMs: MAX_MARGIN_MS,
  });
  const consent = new UserConsent({
    sessions: {
      create: (session: Omit<AuthSession, 'status'>, state: string, secrets: SessionSecrets) => {
        events.push('create session');
        sessions.push({ session, state, secrets });
        return Promise.resolve();
      },
    } as unknown as SessionsRepository,
    connections: connections as unknown as ConnectionsRepository,
    subjects: { delete: () => Promise.resolve() },
    access: { authorize: () => Promise.resolve() },
    portals: { forConsent: () => Promise.resolve(undefined) },
    providers: { findByCallbackId: () => Promise.resolve(undefined) },
    workloads: { find: (name: string) => Promise.resolve(name === WORKLOAD ? workload : undefined) },
    secrets: { read: options.readSecret ?? (() => Promise.resolve(CLIENT_SECRET)) },
    oauth: {
      authorizationUrl: (client: ProviderClient, req: AuthorizationRequest) => {
        authorizations.push({ client, request: req });
        const url = new URL('https://idp.example.com/authorize');
        url.searchParams.set('state', req.state);
        url.searchParams.set('code_challenge', req.codeChallenge);
        return Promise.resolve(url);
      },
      configuration: () => Promise.reject(new Error('not used by token requests')),
    },
    temporal: {
      workflow: {
        start: (...args: unknown[]) => {
          events.push('start workflow');
          starts.push(args);
          return Promise.resolve({ workflowId: 'started' });
        },
      },
    } as unknown as Client,
    jwtVerifier: { verify: () => Promise.reject(new Error('not used by token requests')) },
    userKeys,
    renewals: renewal,
    settings: {
      publicUrl: 'https://mandate.example.com',
      sessionTtlMs: 600_000,
      taskQueue: 'mandate',
      maxMarginMs: MAX_MARGIN_MS,
      deployment: { partition: 'aws', region: 'us-east-1', accountId: '000000000000' },
    },
  });
  const providers: Pick<Oauth2ProvidersRepository, 'find'> = {
    find: (name: string) => Promise.resolve(name === record.name ? record : undefined),
  };
  // No policy engine decides in these tests (Cedar's decisions have their own).
  const service = new ResourceTokensService(
    providers,
    delegated,
    consent,
    { admit: () => Promise.resolve({}) },
    { used: () => assert.fail('no approval is asked') },
  );
  return { service, userKeys, events, reads, renewals, subjects, sessions, authorizations, starts };
}

/** A ValidationException on exactly `field` whose message holds every one of `words`. */
const validationOn =
  (field: string, ...words: string[]) =>
  (err: unknown) => {
    assert.ok(err instanceof ValidationException, `expected a ValidationException, got ${String(err)}`);
    assert.deepEqual(
      err.fieldList.map((f) => f.name),
      [field],
    );
    for (const word of words) assert.ok(err.message.includes(word), `"${err.message}" names ${word}`);
    return true;
  };

const internal = (err: unknown) => {
  assert.ok(
    err instanceof InternalServerException,
    `expected an InternalServerException, got ${String(err)}`,
  );
  return true;
};

describe('GetResourceOauth2Token names a credential provider that exists', () => {
  it('answers ResourceNotFoundException for an unknown provider, whatever the flow', async () => {
    const w = world();
    for (const flow of ['M2M', 'ON_BEHALF_OF_TOKEN_EXCHANGE', 'USER_FEDERATION'] as const) {
      await assert.rejects(
        w.service.token(wat({ user: ALICE }), request(flow, { resourceCredentialProviderName: 'nope' })),
        (err: unknown) =>
          err instanceof ResourceNotFoundException &&
          err.message === 'OAuth2 credential provider nope does not exist',
        flow,
      );
    }
    assert.deepEqual(w.reads, [], 'no vault read');
    assert.deepEqual(w.renewals, [], 'no renewal');
  });
});

describe('M2M', () => {
  it('answers a servable stored token without a renewal', async () => {
    const w = world({ stored: stored('stored-access') });
    assert.deepEqual(await w.service.token(wat(), request('M2M')), { accessToken: 'stored-access' });
    assert.equal(w.reads.length, 1);
    assert.deepEqual(w.renewals, []);
  });

  it('renews a token past its margin, telling the lifecycle the expiry it saw, and answers the renewed token', async () => {
    const old = pastMargin('old-access');
    const w = world({ stored: old, renewed: { accessToken: 'renewed-access' } });
    assert.deepEqual(await w.service.token(wat(), request('M2M')), { accessToken: 'renewed-access' });
    assert.equal(w.renewals.length, 1);
    const [{ target, seen }] = w.renewals as [(typeof w.renewals)[number]];
    assert.deepEqual(seen, old.connection.expiresAt);
    assert.equal(target.connectionId, w.reads[0], 'the connection it read');
    assert.equal(target.workloadName, WORKLOAD);
    assert.equal(target.providerName, PROVIDER);
    assert.equal(target.userHash, undefined, 'an M2M token belongs to no user');
    assert.deepEqual(target.grant, { kind: 'client_credentials', scopes: ['read'] });
  });

  it('a refused renewal is a ValidationException that names the provider and the OAuth code', async () => {
    const w = world({ stored: pastMargin('old-access'), renewed: { failure: 'invalid_client' } });
    await assert.rejects(
      w.service.token(wat(), request('M2M')),
      validationOn('resourceCredentialProviderName', PROVIDER, 'invalid_client'),
    );
  });

  it('an unreachable provider is an InternalServerException', async () => {
    const w = world({ renewed: { failure: 'unavailable' } });
    await assert.rejects(w.service.token(wat(), request('M2M')), internal);
  });

  it('no token and no failure after the renewal is an InternalServerException; a miss saw no expiry', async () => {
    const w = world({ renewed: {} });
    await assert.rejects(w.service.token(wat(), request('M2M')), (err: unknown) => {
      internal(err);
      assert.equal(
        (err as Error).message,
        `No token could be obtained from credential provider ${PROVIDER}; try again`,
      );
      return true;
    });
    assert.equal(w.renewals.length, 1);
    assert.equal(w.renewals[0]?.seen, undefined);
  });

  it('forceAuthentication renews even a fresh stored token', async () => {
    const fresh = stored('fresh-access');
    const w = world({ stored: fresh, renewed: { accessToken: 'forced-access' } });
    assert.deepEqual(await w.service.token(wat(), request('M2M', { forceAuthentication: true })), {
      accessToken: 'forced-access',
    });
    assert.equal(w.renewals.length, 1);
    assert.deepEqual(w.renewals[0]?.seen, fresh.connection.expiresAt);
  });

  it('two scope sets are two connections; the order of scopes is not', async () => {
    const w = world({ renewed: { accessToken: 'a' } });
    await w.service.token(wat(), request('M2M', { scopes: ['read'] }));
    await w.service.token(wat(), request('M2M', { scopes: ['read', 'write'] }));
    await w.service.token(wat(), request('M2M', { scopes: ['write', 'read'] }));
    const [one, two, three] = w.renewals.map((r) => r.target);
    assert.notEqual(one?.connectionId, two?.connectionId);
    assert.equal(two?.connectionId, three?.connectionId);
    assert.deepEqual(three?.grant, { kind: 'client_credentials', scopes: ['read', 'write'] });
  });

  it('is shared by every workload: another workload asks for the same connection', async () => {
    const w = world({ renewed: { accessToken: 'a' } });
    await w.service.token(wat(), request('M2M'));
    await w.service.token(wat({ workloadName: 'other-agent' }), request('M2M'));
    assert.equal(w.renewals[0]?.target.connectionId, w.renewals[1]?.target.connectionId);
  });
});

describe('ON_BEHALF_OF_TOKEN_EXCHANGE', () => {
  const exp = Math.floor(Date.now() / 1000) + 1800;
  const aliceJwt = userJwt({ iss: 'https://idp.example.com', sub: 'alice', exp });
  const withUser = () => wat({ user: ALICE, userToken: aliceJwt });

  it('refuses a provider without onBehalfOfTokenExchangeConfig', async () => {
    const w = world();
    await assert.rejects(
      w.service.token(withUser(), request('ON_BEHALF_OF_TOKEN_EXCHANGE')),
      validationOn('resourceCredentialProviderName', PROVIDER, 'onBehalfOfTokenExchangeConfig'),
    );
    assert.deepEqual(w.reads, []);
  });

  it('refuses a workload access token that carries no user token', async () => {
    const w = world({ provider: provider(WITH_EXCHANGE) });
    for (const token of [wat({ user: ALICE }), wat()]) {
      await assert.rejects(
        w.service.token(token, request('ON_BEHALF_OF_TOKEN_EXCHANGE')),
        validationOn('workloadIdentityToken', 'GetWorkloadAccessTokenForJWT'),
      );
    }
    assert.deepEqual(w.subjects, []);
  });

  it("on a miss, saves the user's token for the connection before asking for the exchange", async () => {
    const w = world({ provider: provider(WITH_EXCHANGE), renewed: { accessToken: 'exchanged' } });
    assert.deepEqual(await w.service.token(withUser(), request('ON_BEHALF_OF_TOKEN_EXCHANGE')), {
      accessToken: 'exchanged',
    });
    assert.deepEqual(w.events, ['save subject', 'renew']);
    const target = w.renewals[0]?.target;
    assert.deepEqual(w.subjects, [
      { connectionId: target?.connectionId, subjectToken: aliceJwt, expiresAt: new Date(exp * 1000) },
    ]);
    assert.equal(target?.userHash, w.userKeys.hash(ALICE));
    assert.deepEqual(target?.grant, { kind: 'token_exchange', scopes: ['read'] });
    assert.ok(!JSON.stringify(target).includes(aliceJwt), "the user's token never goes to the lifecycle");
  });

  it("on a hit, neither saves the user's token nor renews", async () => {
    const w = world({ provider: provider(WITH_EXCHANGE), stored: stored('stored-obo') });
    assert.deepEqual(await w.service.token(withUser(), request('ON_BEHALF_OF_TOKEN_EXCHANGE')), {
      accessToken: 'stored-obo',
    });
    assert.deepEqual(w.events, []);
  });

  it('is one connection per user', async () => {
    const w = world({ provider: provider(WITH_EXCHANGE), renewed: { accessToken: 'x' } });
    await w.service.token(withUser(), request('ON_BEHALF_OF_TOKEN_EXCHANGE'));
    await w.service.token(
      wat({ user: { kind: 'userId', userId: 'bob' }, userToken: aliceJwt }),
      request('ON_BEHALF_OF_TOKEN_EXCHANGE'),
    );
    assert.notEqual(w.renewals[0]?.target.connectionId, w.renewals[1]?.target.connectionId);
  });

  it('keeps a user token without exp no longer than the workload access token it came with', async () => {
    const noExp = userJwt({ iss: 'https://idp.example.com', sub: 'alice' });
    const token = wat({ user: ALICE, userToken: noExp });
    const w = world({ provider: provider(WITH_EXCHANGE), renewed: { accessToken: 'x' } });
    await w.service.token(token, request('ON_BEHALF_OF_TOKEN_EXCHANGE'));
    // WorkloadAccessToken.expiresAt is in milliseconds (WorkloadAccessTokens.verify: exp * 1000).
    assert.deepEqual(w.subjects[0]?.expiresAt, new Date(token.expiresAt));
  });
});

describe('USER_FEDERATION', () => {
  const consentRequest = (extra: Partial<GetResourceOauth2TokenInput> = {}) =>
    request('USER_FEDERATION', { resourceOauth2ReturnUrl: RETURN_URL, ...extra });
  const alice = () => wat({ user: ALICE });

  it('refuses a workload access token minted for no user', async () => {
    const w = world({ stored: stored('stored-access') });
    await assert.rejects(
      w.service.token(wat(), consentRequest()),
      validationOn('workloadIdentityToken', 'USER_FEDERATION'),
    );
    assert.deepEqual(w.reads, []);
  });

  it('refuses a return URL off the allow-list even when the vault holds a servable token', async () => {
    const w = world({ stored: stored('stored-access') });
    await assert.rejects(
      w.service.token(alice(), consentRequest({ resourceOauth2ReturnUrl: 'https://evil.example.com/back' })),
      validationOn('resourceOauth2ReturnUrl', WORKLOAD),
    );
    assert.deepEqual(w.reads, [], 'refused before the vault is read');
  });

  it("answers the vault's token for the user's connection", async () => {
    const w = world({ stored: stored('stored-access') });
    assert.deepEqual(await w.service.token(alice(), consentRequest()), { accessToken: 'stored-access' });
    assert.deepEqual(w.reads, [connectionId(WORKLOAD, w.userKeys.hash(ALICE), PROVIDER)]);
    assert.deepEqual(w.renewals, []);
    assert.deepEqual(w.sessions, []);
  });

  it('does not count identity scopes when checking that a stored token covers the request', async () => {
    const w = world({ stored: stored('stored-access', { scopes: ['read'] }) });
    assert.deepEqual(
      await w.service.token(alice(), consentRequest({ scopes: ['openid', 'offline_access', 'read'] })),
      { accessToken: 'stored-access' },
    );
  });

  it('renews a stored token past its margin and answers the renewed one', async () => {
    const old = pastMargin('old-access');
    const w = world({ stored: old, renewed: { accessToken: 'renewed-access' } });
    assert.deepEqual(await w.service.token(alice(), consentRequest()), { accessToken: 'renewed-access' });
    assert.deepEqual(w.renewals[0], {
      target: {
        connectionId: connectionId(WORKLOAD, w.userKeys.hash(ALICE), PROVIDER),
        workloadName: WORKLOAD,
        providerName: PROVIDER,
      },
      seen: old.connection.expiresAt,
    });
    assert.deepEqual(w.sessions, []);
  });

  it('starts a session when the stored token does not cover the scopes, and the workflow gets references only', async () => {
    const w = world({ stored: stored('stored-access', { scopes: ['read'] }) });
    const answer = await w.service.token(
      alice(),
      consentRequest({ scopes: ['read', 'write'], customState: 'app-state-1' }),
    );
    assert.equal(w.sessions.length, 1);
    assert.equal(w.starts.length, 1);
    assert.deepEqual(w.events, ['create session', 'start workflow']);
    const { session, state, secrets } = w.sessions[0]!;
    assert.deepEqual(answer, {
      authorizationUrl: `https://idp.example.com/authorize?state=${state}&code_challenge=${w.authorizations[0]?.request.codeChallenge}`,
      sessionUri: `urn:ietf:params:oauth:request_uri:${session.id}`,
      sessionStatus: 'IN_PROGRESS',
    });
    assert.equal(session.connectionId, connectionId(WORKLOAD, w.userKeys.hash(ALICE), PROVIDER));
    assert.equal(session.returnUrl, RETURN_URL);
    assert.deepEqual(session.scopes, ['read', 'write']);
    assert.equal(secrets.customState, 'app-state-1');

    const { client, request: authorization } = w.authorizations[0]!;
    assert.equal(client.clientSecret, CLIENT_SECRET);
    assert.equal(authorization.state, state);
    assert.equal(
      authorization.redirectUri,
      `https://mandate.example.com/identities/oauth2/callback/${provider().callbackId}`,
    );
    assert.notEqual(authorization.codeChallenge, secrets.codeVerifier, 'the challenge, not the verifier');

    const sent = JSON.stringify(w.starts);
    for (const [what, value] of Object.entries({
      'client secret': CLIENT_SECRET,
      'code verifier': secrets.codeVerifier,
      state,
      'custom state': 'app-state-1',
      'stored access token': 'stored-access',
    }))
      assert.ok(!sent.includes(value), `no ${what} in what the workflow is started with`);
    const [, options] = w.starts[0] as [unknown, { workflowId: string; args: unknown[] }];
    assert.equal(options.workflowId, `authorization-session:${session.id}`);
    assert.deepEqual(options.args, [
      {
        sessionId: session.id,
        connectionId: session.connectionId,
        workloadName: WORKLOAD,
        providerName: PROVIDER,
        userHash: w.userKeys.hash(ALICE),
        ttlMs: 600_000,
      },
    ]);
  });

  it('starts a session when the renewal of a stored token brings nothing and names no failure', async () => {
    const w = world({ stored: pastMargin('old-access'), renewed: {} });
    const answer = await w.service.token(alice(), consentRequest());
    assert.equal('authorizationUrl' in answer, true);
    assert.deepEqual(w.events, ['renew', 'create session', 'start workflow']);
  });

  it('a renewal failure on a stored token is the provider failure, not a new session', async () => {
    const w = world({ stored: pastMargin('old-access'), renewed: { failure: 'invalid_client' } });
    await assert.rejects(
      w.service.token(alice(), consentRequest()),
      validationOn('resourceCredentialProviderName', PROVIDER, 'invalid_client'),
    );
    const unreachable = world({ stored: pastMargin('old-access'), renewed: { failure: 'unavailable' } });
    await assert.rejects(unreachable.service.token(alice(), consentRequest()), internal);
    assert.deepEqual([...w.sessions, ...w.starts, ...unreachable.sessions, ...unreachable.starts], []);
  });

  it('needs a return URL when a session must start', async () => {
    const w = world();
    await assert.rejects(
      w.service.token(alice(), request('USER_FEDERATION')),
      validationOn('resourceOauth2ReturnUrl', 'required'),
    );
    assert.deepEqual(w.sessions, []);
  });

  it('forceAuthentication starts a session even with a servable stored token', async () => {
    const w = world({ stored: stored('stored-access') });
    const answer = await w.service.token(alice(), consentRequest({ forceAuthentication: true }));
    assert.equal('authorizationUrl' in answer, true);
    assert.deepEqual(w.reads, [], 'the vault is not asked');
  });

  it('a client secret that cannot be read names the credential provider', async () => {
    const w = world({ readSecret: () => Promise.reject(new SecretError('not_found', 'does not exist')) });
    await assert.rejects(w.service.token(alice(), consentRequest()), (err: unknown) => {
      assert.ok(err instanceof SecretError, String(err));
      assert.equal(err.code, 'not_found');
      assert.equal(err.message, 'does not exist');
      assert.deepEqual(err.use, { provider: PROVIDER });
      return true;
    });
    assert.deepEqual(w.sessions, []);
    assert.deepEqual(w.starts, []);
  });
});
