import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetWorkloadAccessTokenForUserIdCommand } from '@aws-sdk/client-bedrock-agentcore';
import { listAuditEvents } from '../../libs/audit/audit-log';
import { connectionId } from '../../libs/consent/user-key';
import { askToken } from '../helpers/consent-flow';
import { registerAgentWithPortal, startAgentApp, type PortalSetup } from '../helpers/portal';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

/** A person in a browser without a browser: a cookie header and the portal's answers, redirects not followed. */
interface Visitor {
  cookie: string;
  get(path: string): Promise<Response>;
  post(path: string, form: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
}

const cookiePairs = (response: Response) =>
  response.headers.getSetCookie().map((line) => line.split(';')[0]!);

describe('consent portal web security: cookies, CSRF, redirects, sign-out, audit', () => {
  let test: TestStack;
  let setup: PortalSetup;
  let app: Awaited<ReturnType<typeof startAgentApp>>;

  before(async () => {
    test = await startTestStack(await testStackEnv({ MANDATE_ALLOW_PRIVATE_NETWORK_URLS: 'true' }));
    app = await startAgentApp();
    setup = await registerAgentWithPortal(test, { returnUrl: app.returnUrl });
  });
  after(async () => {
    await setup?.idp.stop();
    await app?.stop();
    await test?.destroy();
  });

  const origin = () => new URL(setup.portalUrl).origin;
  const visitor = (cookie: string): Visitor => ({
    cookie,
    get: (path) => fetch(new URL(path, origin()), { redirect: 'manual', headers: { cookie } }),
    post: (path, form, headers = { origin: origin() }) =>
      fetch(new URL(path, origin()), {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(form).toString(),
      }),
  });
  const base = () => new URL(setup.portalUrl).pathname;

  /** Signs `user` in through the portal's OIDC sign-in; answers the session cookie and where the portal sent them. */
  async function signIn(
    user: string,
    next?: string,
  ): Promise<{ visitor: Visitor; landed: string; setCookie: string[] }> {
    const start = await fetch(
      `${setup.portalUrl}/sign-in${next ? `?next=${encodeURIComponent(next)}` : ''}`,
      {
        redirect: 'manual',
      },
    );
    assert.equal(start.status, 302);
    const idpUrl = new URL(start.headers.get('location')!);
    assert.equal(idpUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(idpUrl.searchParams.get('state') && idpUrl.searchParams.get('nonce'));
    const callback = await setup.idp.authorize(idpUrl.href, user);
    const done = await fetch(callback, {
      redirect: 'manual',
      headers: { cookie: cookiePairs(start).join('; ') },
    });
    assert.equal(done.status, 303, await done.clone().text());
    const session = cookiePairs(done).find((pair) => pair.startsWith(`mandate-portal-${setup.portalId}=`))!;
    return {
      visitor: visitor(session),
      landed: done.headers.get('location')!,
      setCookie: done.headers.getSetCookie(),
    };
  }

  const csrfOf = async (response: Response) => /name="csrf" value="([^"]+)"/.exec(await response.text())![1]!;

  it('sets an HttpOnly, SameSite=Lax session cookie on every path (not Secure on loopback only)', async () => {
    const { setCookie } = await signIn('alice');
    const session = setCookie.find((line) => line.startsWith(`mandate-portal-${setup.portalId}=`))!;
    assert.match(session, /; Path=\//);
    assert.match(session, /; HttpOnly/);
    assert.match(session, /; SameSite=Lax/);
    assert.doesNotMatch(session, /Secure/, 'plain http on loopback');
    assert.ok(
      setCookie.some((line) => /mandate-portal-sign-in-.*Max-Age=0/.test(line)),
      'the sign-in cookie is cleared',
    );
  });

  it('sends a missing, forged or ended session to sign in again', async () => {
    const page = `${base()}/connections`;
    const toSignIn = (response: Response) => {
      assert.equal(response.status, 303);
      assert.equal(response.headers.get('location'), `${base()}/sign-in?next=${encodeURIComponent(page)}`);
    };
    toSignIn(await visitor('').get(page));
    const { visitor: alice } = await signIn('alice');
    assert.equal((await alice.get(page)).status, 200);
    const [name, value] = alice.cookie.split('=') as [string, string];
    const flipped = `${value.slice(0, -2)}${value.endsWith('AA') ? 'AB' : 'AA'}`;
    toSignIn(await visitor(`${name}=${flipped}`).get(page));
    toSignIn(await visitor(`${name}=not-a-sealed-value`).get(page));

    // Idle for longer than the idle timeout: the session ends and its row is gone.
    const { db } = test.stack.runtime;
    await db
      .updateTable('portal_sessions')
      .set({ last_seen_at: new Date(Date.now() - 31 * 60_000) })
      .execute();
    const sessions = async () => (await db.selectFrom('portal_sessions').selectAll().execute()).length;
    const before = await sessions();
    toSignIn(await alice.get(page));
    assert.equal(await sessions(), before - 1, "the ended session's row is deleted");

    // Past the absolute timeout, however recently used.
    const { visitor: again } = await signIn('alice');
    await db
      .updateTable('portal_sessions')
      .set({ created_at: new Date(Date.now() - 13 * 3_600_000), last_seen_at: new Date() })
      .execute();
    toSignIn(await again.get(page));
  });

  it('refuses form posts without the CSRF token, with a forged one, or from another origin; nothing changes', async () => {
    const { visitor: alice } = await signIn('alice');
    const wat = (
      await test
        .data()
        .send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName: 'agent', userId: 'alice' }))
    ).workloadAccessToken!;
    const started = await askToken(test, wat, ['read'], { resourceOauth2ReturnUrl: app.returnUrl });
    const consentPath = new URL(started.authorizationUrl!).pathname;
    const screen = await alice.get(consentPath);
    assert.equal(screen.status, 200);
    assert.match(
      screen.headers.get('content-security-policy')!,
      /form-action 'self' http:\/\/127\.0\.0\.1:\d+/,
    );
    assert.equal(screen.headers.get('x-frame-options'), 'DENY');
    const csrf = await csrfOf(screen);

    const refusals = [
      await alice.post(consentPath, { decision: 'allow' }),
      await alice.post(consentPath, { decision: 'allow', csrf: `${csrf.slice(0, -1)}x` }),
      await alice.post(consentPath, { decision: 'allow', csrf }, { origin: 'https://evil.example' }),
      await alice.post(consentPath, { decision: 'allow', csrf }, { 'sec-fetch-site': 'cross-site' }),
      await visitor('').post(consentPath, { decision: 'allow', csrf }),
    ];
    assert.deepEqual(
      refusals.map((response) => response.status),
      [403, 403, 403, 403, 401],
    );
    const session = await test.stack.runtime.repositories.sessions.find(consentPath.split('/').pop()!);
    assert.equal(session?.portal?.decision, undefined, 'no decision recorded');
    assert.equal(session?.status, 'IN_PROGRESS');

    // The same consent, completed without a browser: Allow releases the IdP's URL; the callback binds it.
    const allowed = await alice.post(consentPath, { decision: 'allow', csrf });
    assert.equal(allowed.status, 303);
    const callback = await setup.idp.authorize(allowed.headers.get('location')!, 'alice');
    const back = await fetch(callback, { redirect: 'manual', headers: { cookie: alice.cookie } });
    assert.equal(back.status, 302);
    assert.ok(back.headers.get('location')!.startsWith(`${app.returnUrl}?session_id=`));
    const token = await askToken(test, wat, ['read'], { sessionUri: started.sessionUri });
    assert.ok(token.accessToken);
    // A second answer to the same screen is refused: the session is no longer waiting.
    assert.equal((await alice.post(consentPath, { decision: 'deny', csrf })).status, 409);

    const id = connectionId(
      'agent',
      test.stack.runtime.userKeys.hash({ kind: 'userId', userId: 'alice' }),
      'idp',
    );
    const revoke = await alice.post(`${base()}/connections/revoke`, { connectionId: id, csrf: 'forged' });
    assert.equal(revoke.status, 403);
    assert.equal((await test.stack.runtime.repositories.connectionRecords.find(id))?.state, 'ACTIVE');
  });

  it("binds the code to the signed-in person: an allowed IdP URL opened in another person's browser grants nothing", async () => {
    const { visitor: alice } = await signIn('alice');
    const { visitor: bob } = await signIn('bob');
    const wat = (
      await test
        .data()
        .send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName: 'agent', userId: 'alice' }))
    ).workloadAccessToken!;
    const started = await askToken(test, wat, ['write'], {
      resourceOauth2ReturnUrl: app.returnUrl,
      forceAuthentication: true,
    });
    const consentPath = new URL(started.authorizationUrl!).pathname;
    const csrf = await csrfOf(await alice.get(consentPath));
    const allowed = await alice.post(consentPath, { decision: 'allow', csrf });
    // Bob consents at the IdP with the URL Alice's Allow released, and comes back signed in as Bob.
    const callback = await setup.idp.authorize(allowed.headers.get('location')!, 'bob');
    const back = await fetch(callback, { redirect: 'manual', headers: { cookie: bob.cookie } });
    assert.equal(back.status, 403);
    assert.match(await back.text(), /another person/);
    let status: string | undefined;
    for (let i = 0; i < 50 && status !== 'FAILED'; i += 1) {
      status = (await askToken(test, wat, ['write'], { sessionUri: started.sessionUri })).sessionStatus;
      if (status !== 'FAILED') await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(status, 'FAILED');
  });

  it('comes back only to the portal after sign-in: other sites and odd paths go to my connections', async () => {
    for (const next of [
      'https://evil.example/',
      '//evil.example/x',
      `${base()}/../../identities`,
      `${base()}/callback`,
      '/identities/x',
    ]) {
      const { landed } = await signIn('alice', next);
      assert.equal(landed, `${base()}/connections`, next);
    }
    const { landed } = await signIn('alice', `${base()}/connections`);
    assert.equal(landed, `${base()}/connections`);
  });

  it('sign-out ends the session on the server, not only in the browser', async () => {
    const { visitor: alice } = await signIn('alice');
    const page = await alice.get(`${base()}/connections`);
    const csrf = await csrfOf(page);
    const out = await alice.post(`${base()}/sign-out`, { csrf });
    assert.equal(out.status, 200);
    assert.ok(out.headers.getSetCookie().some((line) => /Max-Age=0/.test(line)));
    assert.equal((await alice.get(`${base()}/connections`)).status, 303, 'the old cookie no longer signs in');
  });

  it("another person's connection is answered as one that does not exist", async () => {
    const { visitor: bob } = await signIn('bob');
    const csrf = await csrfOf(await bob.get(`${base()}/connections`));
    const id = connectionId(
      'agent',
      test.stack.runtime.userKeys.hash({ kind: 'userId', userId: 'alice' }),
      'idp',
    );
    const response = await bob.post(`${base()}/connections/revoke`, { connectionId: id, csrf });
    assert.equal(response.status, 404);
    assert.equal((await test.stack.runtime.repositories.connectionRecords.find(id))?.state, 'ACTIVE');
  });

  it('audits every portal action with the person as a user hash, never a name', async () => {
    await test.stack.runtime.audit.flush();
    const events = (await listAuditEvents(test.stack.runtime.db, { limit: 1000 })).filter((event) =>
      event.actor.startsWith('portal:'),
    );
    const alice = test.stack.runtime.userKeys.hash({ kind: 'userId', userId: 'alice' });
    const bob = test.stack.runtime.userKeys.hash({ kind: 'userId', userId: 'bob' });
    const seen = (operation: string, outcome: string, user: string) =>
      events.some(
        (event) => event.operation === operation && event.outcome === outcome && event.userHash === user,
      );
    assert.ok(seen('PortalSignIn', 'Success', alice));
    assert.ok(seen('PortalAllowConsent', 'Success', alice));
    assert.ok(seen('PortalSignOut', 'Success', alice));
    assert.ok(seen('PortalRevokeConnection', 'ResourceNotFoundException', bob));
    assert.doesNotMatch(JSON.stringify(events), /alice|bob/);
  });

  it('answers an unknown portal with a page, not an error body', async () => {
    const response = await fetch(`${origin()}/portal/nobody-aaaaaaaaaa/connections`, { redirect: 'manual' });
    assert.equal(response.status, 404);
    assert.match(response.headers.get('content-type')!, /text\/html/);
    assert.match(await response.text(), /No such portal/);
  });
});
