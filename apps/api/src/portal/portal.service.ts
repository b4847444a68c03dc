import type { AuditLog } from '../../../../libs/audit/audit-log';
import { groupsClaim } from '../../../../libs/auth/groups-claim';
import type { SessionsRepository } from '../../../../libs/consent/sessions.repository';
import type { UserKeys } from '../../../../libs/consent/user-key';
import { randomValues, type OAuthClients } from '../../../../libs/oauth/oauth-client';
import type {
  ConsentPortal,
  ConsentPortalsRepository,
} from '../../../../libs/portal/consent-portals.repository';
import type { PortalPerson, PortalSessions } from '../../../../libs/portal/portal-sessions';
import { portalPath, portalUrl } from '../../../../libs/portal/portal-urls';
import type { Oauth2ProvidersRepository } from '../../../../libs/providers/oauth2-providers.repository';
import { providerClient } from '../../../../libs/providers/provider-client';
import { describeScope } from '../../../../libs/providers/scope-descriptions';
import type { SecretStore } from '../../../../libs/secrets/secret-store';
import type { ConnectionRecordsRepository } from '../../../../libs/vault/connection-records.repository';
import type { ConnectionUse } from '../../../../libs/vault/connection-use';
import { parseCredentialProviderArn, type Deployment } from '../../../../libs/wire/arn';
import { isResourceId } from '../../../../libs/wire/resource-id';
import type { WorkloadIdentitiesRepository } from '../../../../libs/workload-identities/workload-identities.repository';
import type { ConnectionRevocation } from '../connections/connection-revocation';
import { SESSION_URI_PREFIX } from '../resource-tokens/resource-tokens.schemas';
import type { UserConsent } from '../resource-tokens/user-consent';
import type { ConnectionRow, ConsentView } from './portal-pages';

export interface PortalDeps {
  portals: Pick<ConsentPortalsRepository, 'find'>;
  people: PortalSessions;
  providers: Pick<Oauth2ProvidersRepository, 'find'>;
  workloads: Pick<WorkloadIdentitiesRepository, 'find'>;
  secrets: Pick<SecretStore, 'read'>;
  oauth: Pick<OAuthClients, 'authorizationUrl' | 'signIn'>;
  userKeys: Pick<UserKeys, 'hash'>;
  sessions: Pick<SessionsRepository, 'find' | 'decide' | 'secrets'>;
  records: Pick<ConnectionRecordsRepository, 'ofUsers' | 'find'>;
  use: Pick<ConnectionUse, 'flush'>;
  revocation: Pick<ConnectionRevocation, 'revoke'>;
  consent: Pick<UserConsent, 'startSession' | 'deny'>;
  audit: Pick<AuditLog, 'record'>;
  settings: { publicUrl: string; deployment: Deployment };
}

/** A sign-in in progress, sealed in a cookie under the portal's path for its minutes. */
export interface SignInState {
  state: string;
  nonce: string;
  codeVerifier: string;
  next: string;
  expiresAt: number;
}

/** What went wrong, in words for the person, with the HTTP status the page is sent with. */
export class PortalProblem extends Error {
  constructor(
    readonly status: number,
    readonly heading: string,
    message: string,
  ) {
    super(message);
  }
}

const SIGN_IN_MINUTES = 10;

/**
 * The consent portal: people sign in with OpenID Connect at the portal's IdP, see what an agent
 * asks for and allow or deny it, and see and revoke their connections. The person is known only by
 * user hashes (the configured claim as a user id, and (iss, sub)); every action is audited with them.
 */
export class PortalService {
  constructor(private readonly deps: PortalDeps) {}

  base(portal: ConsentPortal): string {
    return portalPath(portal.id);
  }

  find(id: string): Promise<ConsentPortal | undefined> {
    return isResourceId(id) ? this.deps.portals.find(id) : Promise.resolve(undefined);
  }

  person(portal: ConsentPortal, cookie: string | undefined): Promise<PortalPerson | undefined> {
    return this.deps.people.person(portal.id, cookie, new Date());
  }

  checkCsrf(person: PortalPerson, token: unknown): boolean {
    return this.deps.people.checkCsrf(person, token);
  }

  /** Only paths of this portal are places to come back to after signing in (no open redirect). */
  safeNext(portal: ConsentPortal, next: unknown): string {
    const base = this.base(portal);
    const fallback = `${base}/connections`;
    if (typeof next !== 'string' || !next.startsWith(`${base}/`)) return fallback;
    if (!/^[A-Za-z0-9/_-]+$/.test(next) || next.includes('//') || next.startsWith(`${base}/callback`))
      return fallback;
    return next;
  }

  /** Starts a sign-in: the IdP's authorization URL (PKCE S256, state, nonce) and the sealed sign-in cookie. */
  async beginSignIn(portal: ConsentPortal, next: unknown): Promise<{ redirect: string; cookie: string }> {
    const provider = await this.signInProvider(portal);
    const signIn: SignInState = {
      state: randomValues.state(),
      nonce: randomValues.nonce(),
      codeVerifier: randomValues.codeVerifier(),
      next: this.safeNext(portal, next),
      expiresAt: Date.now() + SIGN_IN_MINUTES * 60_000,
    };
    const url = await this.deps.oauth.authorizationUrl(provider, {
      redirectUri: this.callbackUrl(portal),
      scopes: portal.idpConfig.scopes,
      state: signIn.state,
      nonce: signIn.nonce,
      codeChallenge: await randomValues.codeChallenge(signIn.codeVerifier),
      ...(portal.idpConfig.audience ? { audiences: [portal.idpConfig.audience] } : {}),
    });
    return { redirect: url.href, cookie: this.deps.people.seal.seal(signInPurpose(portal.id), signIn) };
  }

  /** The IdP's redirect: the code redeemed against this browser's sign-in, the person signed in. */
  async finishSignIn(
    portal: ConsentPortal,
    rawQuery: string,
    signInCookie: string | undefined,
  ): Promise<{ cookie: string; next: string }> {
    const signIn = this.deps.people.seal.open<SignInState>(signInPurpose(portal.id), signInCookie);
    const query = new URLSearchParams(rawQuery);
    if (!signIn || signIn.expiresAt <= Date.now() || query.get('state') !== signIn.state) {
      await this.audit(portal, 'PortalSignIn', undefined, 'InvalidSignIn');
      throw new PortalProblem(
        400,
        'Sign-in failed',
        'This sign-in is invalid or has expired. Please sign in again.',
      );
    }
    if (query.get('error')) {
      await this.audit(portal, 'PortalSignIn', undefined, 'IdpRefused');
      throw new PortalProblem(401, 'Sign-in failed', 'The identity provider did not sign you in.');
    }
    const provider = await this.signInProvider(portal);
    const callback = new URL(this.callbackUrl(portal));
    callback.search = query.toString();
    const claims = await this.deps.oauth
      .signIn(provider, callback, {
        codeVerifier: signIn.codeVerifier,
        state: signIn.state,
        nonce: signIn.nonce,
      })
      .catch(async () => {
        await this.audit(portal, 'PortalSignIn', undefined, 'InvalidSignIn');
        throw new PortalProblem(
          401,
          'Sign-in failed',
          'The identity provider’s answer could not be verified.',
        );
      });
    const userId = claims[portal.userIdClaim];
    if (
      typeof userId !== 'string' ||
      userId.length === 0 ||
      typeof claims.iss !== 'string' ||
      typeof claims.sub !== 'string'
    ) {
      await this.audit(portal, 'PortalSignIn', undefined, 'MissingClaim');
      throw new PortalProblem(
        403,
        'Sign-in failed',
        `Your identity provider did not say who you are (the ${portal.userIdClaim} claim is missing).`,
      );
    }
    const userHashes = [
      this.deps.userKeys.hash({ kind: 'userId', userId }),
      this.deps.userKeys.hash({ kind: 'jwt', iss: claims.iss, sub: claims.sub }),
    ];
    const name = [claims.name, claims.email, claims.preferred_username, userId].find(
      (value): value is string => typeof value === 'string' && value.length > 0,
    )!;
    const groups = groupsClaim(claims);
    const cookie = await this.deps.people.signIn(portal.id, { userHashes, name, groups }, new Date());
    await this.audit(portal, 'PortalSignIn', userHashes, 'Success');
    return { cookie, next: signIn.next };
  }

  async signOut(portal: ConsentPortal, person: PortalPerson, cookie: string | undefined): Promise<void> {
    await this.deps.people.signOut(portal.id, cookie);
    await this.audit(portal, 'PortalSignOut', person.userHashes, 'Success');
  }

  /**
   * The consent screen of a session, for its own user only, and where its forms are sent on to (the
   * browser checks `form-action` on redirects too): the authorization server's origin for Allow,
   * the app's return URL's for Deny.
   */
  async consentView(
    portal: ConsentPortal,
    person: PortalPerson,
    sessionId: string,
  ): Promise<{ view: ConsentView; formTargets: string[] }> {
    const session = await this.ownSession(portal, person, sessionId, 'PortalViewConsent');
    const [workload, provider, secrets] = await Promise.all([
      this.deps.workloads.find(session.workloadName),
      this.deps.providers.find(session.providerName),
      this.deps.sessions.secrets(session.id),
    ]);
    const vendor = provider?.vendor ?? 'CustomOauth2';
    const targets = [secrets?.secrets.authorizationUrl, session.returnUrl].filter(
      (url): url is string => !!url,
    );
    return {
      view: {
        sessionId: session.id,
        workloadName: session.workloadName,
        ...(workload?.tags.description ? { workloadDescription: workload.tags.description } : {}),
        providerName: session.providerName,
        vendor,
        scopes: session.scopes.map((scope) => {
          const description = describeScope(vendor, scope);
          return { scope, ...(description ? { description } : {}) };
        }),
        resources: session.portal?.resources ?? [],
        audiences: session.portal?.audiences ?? [],
        ...(session.portal?.requestedBy ? { requestedBy: session.portal.requestedBy } : {}),
        expiresAt: session.expiresAt,
      },
      formTargets: [...new Set(targets.map((url) => new URL(url).origin))],
    };
  }

  /** Allow: on to the authorization server. Deny: the session fails; back to the app's return URL. */
  async decide(
    portal: ConsentPortal,
    person: PortalPerson,
    sessionId: string,
    allow: boolean,
  ): Promise<string> {
    const operation = allow ? 'PortalAllowConsent' : 'PortalDenyConsent';
    const session = await this.ownSession(portal, person, sessionId, operation);
    if (!(await this.deps.sessions.decide(session.id, allow ? 'ALLOWED' : 'DENIED', new Date()))) {
      await this.audit(portal, operation, person.userHashes, 'SessionNotWaiting', session.workloadName);
      throw notWaiting();
    }
    await this.audit(
      portal,
      operation,
      person.userHashes,
      'Success',
      session.workloadName,
      session.providerName,
    );
    const secrets = (await this.deps.sessions.secrets(session.id))?.secrets;
    if (allow) {
      if (!secrets?.authorizationUrl) throw notWaiting();
      return secrets.authorizationUrl;
    }
    await this.deps.consent.deny(session);
    const back = new URL(session.returnUrl);
    back.searchParams.set('session_id', `${SESSION_URI_PREFIX}${session.id}`);
    if (secrets?.customState) back.searchParams.set('state', secrets.customState);
    back.searchParams.set('error', 'access_denied');
    return back.href;
  }

  /** The person's connections (never anyone else's, never a token), with "last used" flushed first. */
  async connections(person: PortalPerson): Promise<ConnectionRow[]> {
    await this.deps.use.flush();
    const records = await this.deps.records.ofUsers(person.userHashes);
    return records.map((record) => ({
      id: record.id,
      workloadName: record.workloadName,
      providerName: record.providerName,
      scopes: record.scopes,
      state: record.state,
      since: record.createdAt,
      ...(record.lastUsedAt ? { lastUsed: record.lastUsedAt } : {}),
      canReconnect:
        record.flow === 'USER_FEDERATION' && (record.state === 'NEEDS_CONSENT' || record.state === 'REVOKED'),
    }));
  }

  /** Revokes one of the person's connections, exactly as the API's revocation does. */
  async revoke(portal: ConsentPortal, person: PortalPerson, connectionId: unknown): Promise<void> {
    const record = await this.ownConnection(portal, person, connectionId, 'PortalRevokeConnection');
    await this.deps.revocation.revoke(record.id, record);
    await this.audit(
      portal,
      'PortalRevokeConnection',
      person.userHashes,
      'Success',
      record.workloadName,
      record.providerName,
    );
  }

  /** Starts a new consent for a connection that needs one; answers the consent screen's URL. */
  async reconnect(portal: ConsentPortal, person: PortalPerson, connectionId: unknown): Promise<string> {
    const record = await this.ownConnection(portal, person, connectionId, 'PortalReconnect');
    const provider = await this.deps.providers.find(record.providerName);
    if (
      record.flow !== 'USER_FEDERATION' ||
      !provider ||
      !(await this.deps.workloads.find(record.workloadName))
    ) {
      await this.audit(portal, 'PortalReconnect', person.userHashes, 'CannotReconnect', record.workloadName);
      throw new PortalProblem(
        409,
        'Cannot reconnect',
        'This agent or provider no longer exists, or needs no consent.',
      );
    }
    const started = await this.deps.consent.startSession(
      provider,
      {
        workloadName: record.workloadName,
        userHash: record.userHash,
        connectionId: record.id,
        scopes: record.scopes,
        returnUrl: `${portalUrl(this.deps.settings.publicUrl, portal.id)}/connections`,
        requestedBy: 'you, on this portal',
      },
      portal.id,
    );
    await this.audit(
      portal,
      'PortalReconnect',
      person.userHashes,
      'Success',
      record.workloadName,
      record.providerName,
    );
    return started.authorizationUrl;
  }

  private async ownSession(
    portal: ConsentPortal,
    person: PortalPerson,
    sessionId: string,
    operation: string,
  ) {
    const session = /^[0-9a-f-]{36}$/.test(sessionId) ? await this.deps.sessions.find(sessionId) : undefined;
    if (!session || session.portal?.portalId !== portal.id) {
      await this.audit(portal, operation, person.userHashes, 'ResourceNotFoundException');
      throw new PortalProblem(404, 'No such request', 'There is no request with this link on this portal.');
    }
    if (!person.userHashes.includes(session.userHash)) {
      await this.audit(portal, operation, person.userHashes, 'AccessDeniedException', session.workloadName);
      throw new PortalProblem(
        403,
        'This request is for someone else',
        'An agent asked for this access on behalf of another person. Nothing was granted. Sign out and sign in as that person to answer it.',
      );
    }
    if (
      session.status !== 'IN_PROGRESS' ||
      session.expiresAt.getTime() <= Date.now() ||
      session.portal.decision
    ) {
      await this.audit(portal, operation, person.userHashes, 'SessionNotWaiting', session.workloadName);
      throw notWaiting();
    }
    return session;
  }

  private async ownConnection(
    portal: ConsentPortal,
    person: PortalPerson,
    connectionId: unknown,
    operation: string,
  ) {
    const record =
      typeof connectionId === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(connectionId)
        ? await this.deps.records.find(connectionId)
        : undefined;
    // Another person's connection is answered exactly as one that does not exist.
    if (!record || !person.userHashes.includes(record.userHash) || record.flow === 'M2M') {
      await this.audit(portal, operation, person.userHashes, 'ResourceNotFoundException');
      throw new PortalProblem(404, 'No such connection', 'You have no connection with this id.');
    }
    return record;
  }

  private async signInProvider(portal: ConsentPortal) {
    const name = parseCredentialProviderArn(
      this.deps.settings.deployment,
      'oauth2',
      portal.idpConfig.credentialProviderArn,
    );
    const record = name ? await this.deps.providers.find(name) : undefined;
    if (!record) {
      throw new PortalProblem(
        503,
        'Sign-in unavailable',
        'This portal’s identity provider is not configured.',
      );
    }
    return providerClient(record, await this.deps.secrets.read(record.secret.ref));
  }

  private callbackUrl(portal: ConsentPortal): string {
    return `${portalUrl(this.deps.settings.publicUrl, portal.id)}/callback`;
  }

  private audit(
    portal: ConsentPortal,
    operation: string,
    userHashes: string[] | undefined,
    outcome: string,
    workloadName?: string,
    providerName?: string,
  ): Promise<void> {
    return this.deps.audit.record({
      actor: `portal:${portal.id}`,
      operation,
      ...(workloadName ? { workloadName } : {}),
      resource: providerName ?? portal.id,
      ...(userHashes?.[0] ? { userHash: userHashes[0] } : {}),
      outcome,
    });
  }
}

const signInPurpose = (portalId: string) => `portal-sign-in:${portalId}`;

/** A consent or approval already answered or expired. */
export const notWaiting = () =>
  new PortalProblem(
    409,
    'This request is no longer waiting',
    'It was already answered, or it has expired. Ask the agent to try again.',
  );
