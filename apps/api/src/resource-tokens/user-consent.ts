import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { JwtVerifier } from '../../../../libs/auth/jwt.verifier';
import type { AccessPolicy } from '../../../../libs/auth/policy';
import type { Principal } from '../../../../libs/auth/sigv4.verifier';
import type { WatUser, WorkloadAccessToken } from '../../../../libs/auth/workload-access-token';
import type { ConnectionsRepository } from '../../../../libs/vault/connections.repository';
import type { Metrics } from '../../../../libs/metrics/metrics';
import type { ExchangeSubjectsRepository } from '../../../../libs/vault/exchange-subjects.repository';
import { rekeyConnection } from '../../../../libs/consent/legacy-user-hashes';
import type { AuthSession, SessionsRepository } from '../../../../libs/consent/sessions.repository';
import type { ConsentPortalsRepository } from '../../../../libs/portal/consent-portals.repository';
import { consentScreenUrl } from '../../../../libs/portal/portal-urls';
import { servable } from '../../../../libs/vault/token-freshness';
import { connectionId, type UserKeys } from '../../../../libs/consent/user-key';
import { randomValues, type OAuthClients } from '../../../../libs/oauth/oauth-client';
import { callbackUrl, isCallbackId } from '../../../../libs/providers/callback-url';
import type {
  Oauth2ProviderRecord,
  Oauth2ProvidersRepository,
} from '../../../../libs/providers/oauth2-providers.repository';
import { providerClient } from '../../../../libs/providers/provider-client';
import { SecretError, type SecretStore } from '../../../../libs/secrets/secret-store';
import {
  AccessDeniedException,
  ResourceNotFoundException,
  ValidationException,
} from '../../../../libs/wire/errors';
import type {
  WorkloadIdentitiesRepository,
  WorkloadIdentityRecord,
} from '../../../../libs/workload-identities/workload-identities.repository';
import { authorizationSessionWorkflow } from '../../../../workflows/authorization-session/authorization-session.workflow';
import {
  callbackSignal,
  completeUpdate,
  authorizationSessionWorkflowId,
} from '../../../../workflows/authorization-session/definitions';
import { FLOW, PROVIDER_NAME, STATE, WORKLOAD_NAME } from '../../../../workflows/search-attributes';
import { credentialProviderArn, workloadIdentityArn, type Deployment } from '../../../../libs/wire/arn';
import { providerFailure, type Renewals } from './renewals';
import { SESSION_URI_PREFIX, type GetResourceOauth2TokenInput } from './resource-tokens.schemas';

export interface UserConsentDeps {
  sessions: SessionsRepository;
  connections: ConnectionsRepository;
  subjects: Pick<ExchangeSubjectsRepository, 'delete'>;
  providers: Pick<Oauth2ProvidersRepository, 'findByCallbackId'>;
  workloads: Pick<WorkloadIdentitiesRepository, 'find'>;
  secrets: Pick<SecretStore, 'read'>;
  oauth: Pick<OAuthClients, 'authorizationUrl' | 'configuration'>;
  temporal: Client;
  jwtVerifier: Pick<JwtVerifier, 'verify'>;
  userKeys: UserKeys;
  renewals: Pick<Renewals, 'renewAndRead'>;
  access: Pick<AccessPolicy, 'authorize'>;
  portals: Pick<ConsentPortalsRepository, 'forConsent'>;
  /** Notes each served token's connection as used (for "last used" on the portal). */
  used?: (connectionId: string) => void;
  metrics?: Pick<Metrics, 'vaultRead' | 'consent'>;
  settings: {
    publicUrl: string;
    sessionTtlMs: number;
    taskQueue: string;
    /** The most a stored token keeps back before the lifecycle is asked to refresh (see `servable`). */
    maxMarginMs: number;
    /** For the ARNs CompleteResourceTokenAuth is authorized on. */
    deployment: Deployment;
  };
}

/**
 * OpenID Connect scopes ask for identity claims, not for what the access token reaches; servers
 * leave them out of the granted `scope`, so they do not count when checking that a stored token
 * covers a request.
 */
const IDENTITY_SCOPES = new Set(['openid', 'profile', 'email', 'address', 'phone', 'offline_access']);
export const covers = (granted: string[], requested: string[]) =>
  requested.every((scope) => IDENTITY_SCOPES.has(scope) || granted.includes(scope));

export type TokenAnswer =
  | { accessToken: string }
  | { authorizationUrl: string; sessionUri: string; sessionStatus: 'IN_PROGRESS' }
  | { sessionUri: string; sessionStatus: 'IN_PROGRESS' | 'FAILED' };

export type CallbackResult = { redirect: string } | { error: string; status: number };

/** The user hashes of the person signed in to a portal in this browser, if anyone is. */
export type PortalPersonOf = (portalId: string) => Promise<string[] | undefined>;

/** Who a session is for and what it asks, whether an agent or the person on a portal started it. */
export interface SessionRequest {
  workloadName: string;
  userHash: string;
  connectionId: string;
  scopes: string[];
  returnUrl: string;
  resources?: string[];
  audiences?: string[];
  customParameters?: Record<string, string>;
  customState?: string;
  /** The principal that asked for the token, shown on the consent screen. */
  requestedBy?: string;
}

/**
 * User consent (USER_FEDERATION): serve a stored token when the vault has one, else start an
 * authorization session; take the authorization server's callback; complete the session for the
 * same user only.
 */
export class UserConsent {
  constructor(private readonly deps: UserConsentDeps) {}

  /**
   * A USER_FEDERATION token request: the vault's token, a poll of a session, or a new session; with
   * `pollingAs` (an approval's session URI), IN_PROGRESS under it instead of a new session.
   */
  async token(
    wat: WorkloadAccessToken,
    input: GetResourceOauth2TokenInput,
    provider: Oauth2ProviderRecord,
    requestedBy?: string,
    pollingAs?: string,
  ): Promise<TokenAnswer> {
    if (!wat.user) {
      throw ValidationException.field(
        'workloadIdentityToken',
        'USER_FEDERATION needs a workload access token minted for a user',
      );
    }
    const user = this.deps.userKeys.hash(wat.user);
    const connection = connectionId(wat.workloadName, user, provider.name);

    if (input.sessionUri)
      return this.poll(input.sessionUri, {
        workloadName: wat.workloadName,
        user: wat.user,
        provider: provider.name,
      });

    // Checked before the vault: a return URL off the allow-list is refused whether or not a token exists.
    // Awaited here, not in a helper of its own: a vault hit adds no promise of its own to the lookups.
    const workload = existing(await this.deps.workloads.find(wat.workloadName), wat.workloadName);
    if (input.resourceOauth2ReturnUrl) assertReturnUrl(workload, input.resourceOauth2ReturnUrl);

    const found = input.forceAuthentication
      ? undefined
      : ((await this.deps.connections.read(connection)) ??
        (await this.legacyConnection(wat.workloadName, wat.user, provider.name)));
    const stored = found && covers(found.connection.scopes, input.scopes) ? found : undefined;
    const hit = stored !== undefined && servable(stored.connection, this.deps.settings.maxMarginMs);
    this.deps.metrics?.vaultRead('USER_FEDERATION', hit, {
      workload: wat.workloadName,
      provider: provider.name,
    });
    if (hit) {
      this.deps.used?.(connection);
      return { accessToken: stored.tokens.accessToken };
    }
    if (stored) {
      const renewed = await this.deps.renewals.renewAndRead(
        { connectionId: connection, workloadName: wat.workloadName, providerName: provider.name },
        stored.connection.expiresAt,
      );
      if ('accessToken' in renewed) {
        this.deps.used?.(connection);
        return renewed;
      }
      // A new consent cannot fix a provider that refuses Mandate itself (e.g. a wrong client secret)
      // or cannot be reached; the user's grant is still there.
      if (renewed.failure) throw providerFailure(provider.name, renewed.failure);
    }
    if (pollingAs) return { sessionUri: pollingAs, sessionStatus: 'IN_PROGRESS' };
    const returnUrl = input.resourceOauth2ReturnUrl;
    if (!returnUrl)
      throw ValidationException.field('resourceOauth2ReturnUrl', 'is required to start a user consent');
    const portal = await this.deps.portals.forConsent(workload.name, provider.name);
    return this.startSession(
      provider,
      {
        workloadName: wat.workloadName,
        userHash: user,
        connectionId: connection,
        scopes: input.scopes,
        returnUrl,
        ...(input.resources ? { resources: input.resources } : {}),
        ...(input.audiences ? { audiences: input.audiences } : {}),
        ...(input.customParameters ? { customParameters: input.customParameters } : {}),
        ...(input.customState ? { customState: input.customState } : {}),
        ...(requestedBy ? { requestedBy } : {}),
      },
      portal?.id,
    );
  }

  /**
   * The user's connection when none is stored under the keyed hash: a consent started before the
   * upgrade to keyed user hashes stores it under its old id, which is moved to the new one on first read.
   */
  private async legacyConnection(workloadName: string, user: WatUser, providerName: string) {
    const { userKeys: keys, connections, subjects } = this.deps;
    const legacy = connectionId(workloadName, keys.legacy(user), providerName);
    const moved = await rekeyConnection({ keys, connections, subjects }, legacy);
    return moved ? connections.read(moved) : undefined;
  }

  private async poll(
    sessionUri: string,
    owner: { workloadName: string; user: WatUser; provider: string },
  ): Promise<TokenAnswer> {
    const session = await this.deps.sessions.find(sessionUri.slice(SESSION_URI_PREFIX.length));
    if (
      !session ||
      session.workloadName !== owner.workloadName ||
      !this.deps.userKeys.isUser(session.userHash, owner.user) ||
      session.providerName !== owner.provider
    ) {
      throw new ResourceNotFoundException('No such session for this workload, user and provider');
    }
    if (session.status === 'COMPLETED') {
      const stored = await this.deps.connections.read(session.connectionId);
      if (stored) {
        this.deps.used?.(session.connectionId);
        return { accessToken: stored.tokens.accessToken };
      }
    }
    const failed = session.status !== 'IN_PROGRESS' || session.expiresAt.getTime() <= Date.now();
    return { sessionUri, sessionStatus: failed ? 'FAILED' : 'IN_PROGRESS' };
  }

  /**
   * Starts an authorization session. With a consent portal, the authorization server's URL is sealed
   * with the session and released only when the person allows on the portal's consent screen; the
   * caller gets the consent screen's URL instead.
   */
  async startSession(
    provider: Oauth2ProviderRecord,
    request: SessionRequest,
    portalId?: string,
  ): Promise<{ authorizationUrl: string; sessionUri: string; sessionStatus: 'IN_PROGRESS' }> {
    const clientSecret = await this.deps.secrets.read(provider.secret.ref).catch((err: unknown) => {
      throw SecretError.for(err, { provider: provider.name });
    });
    const codeVerifier = randomValues.codeVerifier();
    const state = randomValues.state();
    const nonce = request.scopes.includes('openid') ? randomValues.nonce() : undefined;
    const authorizationUrl = await this.deps.oauth.authorizationUrl(providerClient(provider, clientSecret), {
      redirectUri: callbackUrl(this.deps.settings.publicUrl, provider.callbackId),
      scopes: request.scopes,
      state,
      codeChallenge: await randomValues.codeChallenge(codeVerifier),
      ...(nonce ? { nonce } : {}),
      ...(request.resources ? { resources: request.resources } : {}),
      ...(request.audiences ? { audiences: request.audiences } : {}),
      ...(request.customParameters ? { customParameters: request.customParameters } : {}),
    });

    const ttlMs = this.deps.settings.sessionTtlMs;
    const session: Omit<AuthSession, 'status'> = {
      id: randomUUID(),
      workloadName: request.workloadName,
      providerName: provider.name,
      userHash: request.userHash,
      connectionId: request.connectionId,
      scopes: request.scopes,
      returnUrl: request.returnUrl,
      expiresAt: new Date(Date.now() + ttlMs),
      ...(portalId
        ? {
            portal: {
              portalId,
              ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
              ...(request.resources ? { resources: request.resources } : {}),
              ...(request.audiences ? { audiences: request.audiences } : {}),
            },
          }
        : {}),
    };
    await this.deps.sessions.create(session, state, {
      codeVerifier,
      ...(nonce ? { nonce } : {}),
      ...(request.customState ? { customState: request.customState } : {}),
      ...(portalId ? { authorizationUrl: authorizationUrl.href } : {}),
    });
    await this.deps.temporal.workflow.start(authorizationSessionWorkflow, {
      workflowId: authorizationSessionWorkflowId(session.id),
      taskQueue: this.deps.settings.taskQueue,
      args: [
        {
          sessionId: session.id,
          connectionId: request.connectionId,
          workloadName: request.workloadName,
          providerName: provider.name,
          userHash: request.userHash,
          ttlMs,
        },
      ],
      typedSearchAttributes: [
        { key: WORKLOAD_NAME, value: request.workloadName },
        { key: PROVIDER_NAME, value: provider.name },
        { key: FLOW, value: 'USER_FEDERATION' },
        { key: STATE, value: 'AWAITING_CALLBACK' },
      ],
    });
    this.deps.metrics?.consent('started', { workload: request.workloadName, provider: provider.name });
    return {
      authorizationUrl: portalId
        ? consentScreenUrl(this.deps.settings.publicUrl, portalId, session.id)
        : authorizationUrl.href,
      sessionUri: `${SESSION_URI_PREFIX}${session.id}`,
      sessionStatus: 'IN_PROGRESS',
    };
  }

  /** The authorization server's redirect: one use of a valid `state`, else an error page and no signal. */
  async callback(callbackId: string, rawQuery: string, personOf?: PortalPersonOf): Promise<CallbackResult> {
    const query = new URLSearchParams(rawQuery);
    const provider = isCallbackId(callbackId)
      ? await this.deps.providers.findByCallbackId(callbackId)
      : undefined;
    const state = query.get('state');
    if (!provider || !state) return { status: 400, error: 'This authorization response is not valid.' };
    const session = await this.deps.sessions.consumeState(state, new Date());
    if (!session || session.providerName !== provider.name) {
      return { status: 400, error: 'This authorization response is invalid, expired or was already used.' };
    }
    const issuerProblem = await this.issuerProblem(provider, query.get('iss'));
    const handle = this.deps.temporal.workflow.getHandle(authorizationSessionWorkflowId(session.id));
    const binding = await this.portalBinding(session, personOf);
    const error = query.get('error');
    if (binding === 'someone-else') {
      // Session binding: the code the person's consent yielded is not stored under another user.
      await handle.signal(callbackSignal, { kind: 'error', error: 'access_denied' });
      return {
        status: 403,
        error:
          'This request was started for another person than the one signed in to the portal. Nothing was granted.',
      };
    }
    if (issuerProblem || error || !query.get('code')) {
      // Only the OAuth error code travels, never a description the server may have filled with anything.
      const code = issuerProblem ?? (error && /^[a-z_]{1,64}$/.test(error) ? error : 'invalid_response');
      await handle.signal(callbackSignal, { kind: 'error', error: code });
    } else {
      await this.deps.sessions.saveCallback(session.id, { query: query.toString() });
      await handle.signal(callbackSignal, { kind: 'code' });
      // The person signed in to the portal is the session's user: the portal completes the binding.
      if (binding === 'same-person') await this.completeAs(session).catch(() => undefined);
    }
    const secrets = await this.deps.sessions.secrets(session.id);
    const back = new URL(session.returnUrl);
    back.searchParams.set('session_id', `${SESSION_URI_PREFIX}${session.id}`);
    if (secrets?.secrets.customState) back.searchParams.set('state', secrets.secrets.customState);
    return { redirect: back.href };
  }

  /**
   * Who is signed in to the session's portal in this browser: its user, someone else, or nobody (then
   * the app completes the session as in AgentCore's flow). Sessions without a portal bind as before.
   */
  private async portalBinding(
    session: AuthSession,
    personOf: PortalPersonOf | undefined,
  ): Promise<'same-person' | 'someone-else' | 'nobody'> {
    if (!session.portal || session.portal.decision !== 'ALLOWED' || !personOf) return 'nobody';
    const hashes = await personOf(session.portal.portalId);
    if (!hashes) return 'nobody';
    return hashes.includes(session.userHash) ? 'same-person' : 'someone-else';
  }

  /** Completes a session as its own user, for the portal, and waits for the code's redemption. */
  async completeAs(session: AuthSession): Promise<void> {
    await this.deps.temporal.workflow
      .getHandle(authorizationSessionWorkflowId(session.id))
      .executeUpdate(completeUpdate, { args: [{ userHash: session.userHash }] });
  }

  /** The person on the portal denied: the session fails, and the agent's next poll says so. */
  async deny(session: AuthSession): Promise<void> {
    await this.deps.temporal.workflow
      .getHandle(authorizationSessionWorkflowId(session.id))
      .signal(callbackSignal, { kind: 'error', error: 'access_denied' });
  }

  /** RFC 9207: where the server says it sends `iss`, it must, and it must be the server's. */
  private async issuerProblem(
    provider: Oauth2ProviderRecord,
    iss: string | null,
  ): Promise<string | undefined> {
    const clientSecret = await this.deps.secrets.read(provider.secret.ref).catch(() => '');
    const configuration = await this.deps.oauth
      .configuration(providerClient(provider, clientSecret))
      .catch(() => undefined);
    const metadata = configuration?.serverMetadata();
    if (!metadata) return undefined;
    if (iss !== null && iss !== metadata.issuer) return 'issuer_mismatch';
    if (iss === null && metadata.authorization_response_iss_parameter_supported) return 'issuer_missing';
    return undefined;
  }

  /** CompleteResourceTokenAuth: only the user who started the session, only while it awaits completion. */
  async complete(
    principal: Principal,
    sessionUri: string,
    identifier: { userToken?: string; userId?: string },
  ): Promise<Record<string, never>> {
    const session = await this.deps.sessions.find(sessionUri.slice(SESSION_URI_PREFIX.length));
    if (!session) throw new AccessDeniedException('The session is unknown, expired or already completed');
    const { deployment } = this.deps.settings;
    await this.deps.access.authorize(principal, 'CompleteResourceTokenAuth', [
      workloadIdentityArn(deployment, session.workloadName),
      credentialProviderArn(deployment, 'oauth2', session.providerName),
    ]);
    const user = await this.userOf(session.workloadName, identifier);
    try {
      await this.deps.temporal.workflow
        .getHandle(authorizationSessionWorkflowId(session.id))
        // A session started before the upgrade to keyed user hashes compares the hash it was started with.
        .executeUpdate(completeUpdate, {
          args: [{ userHash: this.deps.userKeys.inFormatOf(session.userHash, user) }],
        });
    } catch (err) {
      const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
      throw new AccessDeniedException(
        cause?.message ?? 'The session is unknown, expired or already completed',
      );
    }
    return {};
  }

  private async userOf(
    workloadName: string,
    identifier: { userToken?: string; userId?: string },
  ): Promise<WatUser> {
    if (identifier.userId !== undefined) return { kind: 'userId', userId: identifier.userId };
    const workload = await this.deps.workloads.find(workloadName);
    if (!workload?.jwtAuthorizer)
      throw new AccessDeniedException(`Workload identity ${workloadName} trusts no JWT issuer`);
    const verified = await this.deps.jwtVerifier.verify(identifier.userToken ?? '', workload.jwtAuthorizer);
    return { kind: 'jwt', iss: verified.iss, sub: verified.sub };
  }
}

/** The workload identity the token was minted for, which may have been deleted since. */
function existing(workload: WorkloadIdentityRecord | undefined, name: string): WorkloadIdentityRecord {
  if (!workload) throw new ResourceNotFoundException(`Workload identity ${name} does not exist`);
  return workload;
}

/** The one check of a return URL: exactly one of the workload identity's allowed URLs. */
function assertReturnUrl(workload: WorkloadIdentityRecord, returnUrl: string): void {
  if (!workload.allowedReturnUrls.includes(returnUrl)) {
    throw ValidationException.field(
      'resourceOauth2ReturnUrl',
      `is not one of the allowed return URLs of workload identity ${workload.name}`,
    );
  }
}
