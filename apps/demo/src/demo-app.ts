import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  CompleteResourceTokenAuthCommand,
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenForUserIdCommand,
  type BedrockAgentCoreClient,
} from '@aws-sdk/client-bedrock-agentcore';

/** What the demo registers; the example agent asks for the same. */
export const DEMO = {
  workloadName: 'demo-agent',
  providerName: 'demo-idp',
  userId: 'demo-user',
  scopes: ['openid', 'profile', 'offline_access'],
} as const;

export interface DemoApp {
  url: string;
  returnUrl: string;
  stop(): Promise<void>;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><meta charset="utf-8"><title>${escape(title)}</title>` +
  '<body style="font:16px/1.5 sans-serif;max-width:42em;margin:3em auto;padding:0 1em">' +
  `<h1>${escape(title)}</h1>${body}</body></html>`;

/**
 * The agent's own web app, as a real deployment would have one: the page that sends its user to
 * consent, and the return URL that completes the session binding (`CompleteResourceTokenAuth` for
 * the very user who started the session). It knows one user, `demo-user`, as if signed in.
 */
export async function startDemoApp(options: {
  port: number;
  data: BedrockAgentCoreClient;
  temporalUiUrl?: string;
}): Promise<DemoApp> {
  const url = `http://127.0.0.1:${options.port}`;
  const returnUrl = `${url}/return`;
  const { data } = options;
  const user = { userId: DEMO.userId };

  const home = () =>
    page(
      'Mandate demo',
      `<p>You are <strong>${DEMO.userId}</strong> of the demo agent's app. The agent
      <code>${DEMO.workloadName}</code> wants to act for you at the demo identity provider
      (scopes <code>${DEMO.scopes.join(' ')}</code>).</p>
      <p><a href="/connect"><button>Connect the demo agent</button></a></p>
      <p>The demo identity provider signs in any user name. After you consent, Mandate keeps the
      tokens in its vault; the example agent (<code>npm run demo:agent</code>) then gets them with
      no further consent.</p>`,
    );

  const connect = async (force: boolean) => {
    const { workloadAccessToken } = await data.send(
      new GetWorkloadAccessTokenForUserIdCommand({ workloadName: DEMO.workloadName, userId: DEMO.userId }),
    );
    return data.send(
      new GetResourceOauth2TokenCommand({
        workloadIdentityToken: workloadAccessToken,
        resourceCredentialProviderName: DEMO.providerName,
        scopes: [...DEMO.scopes],
        oauth2Flow: 'USER_FEDERATION',
        resourceOauth2ReturnUrl: returnUrl,
        // The demo IdP grants offline_access (a refresh token) only with explicit consent.
        customParameters: { prompt: 'consent' },
        forceAuthentication: force,
      }),
    );
  };

  const done = (title: string, detail: string) =>
    page(
      title,
      `${detail}
      <p>Now run the example agent in a terminal: <code>npm run demo:agent</code>. Run it twice: the
      second run gets the token from the vault too, with no consent.</p>
      ${options.temporalUiUrl ? `<p>Watch the consent and the connection's lifecycle in the <a href="${options.temporalUiUrl}/namespaces/default/workflows">Temporal UI</a>.</p>` : ''}
      <p><a href="/connect?force=1">Consent again</a></p>`,
    );

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const target = new URL(request.url ?? '/', url);
    const send = (status: number, html: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
      response.end(html);
    };
    if (request.method !== 'GET') return send(405, page('Not allowed', ''));
    switch (target.pathname) {
      case '/':
        return send(200, home());
      case '/connect': {
        const answer = await connect(target.searchParams.get('force') === '1');
        if (answer.accessToken)
          return send(200, done('Already connected', '<p>Mandate holds a token for you in its vault.</p>'));
        return send(302, '', { location: answer.authorizationUrl! });
      }
      case '/return': {
        const sessionUri = target.searchParams.get('session_id');
        if (!sessionUri) return send(400, page('No session', '<p>The return URL carries no session_id.</p>'));
        await data.send(new CompleteResourceTokenAuthCommand({ sessionUri, userIdentifier: user }));
        return send(
          200,
          done(
            'Connected',
            `<p>The consent is complete: Mandate checked that <strong>${DEMO.userId}</strong>, who
            started the session, completed it, and stored the tokens in its vault.</p>`,
          ),
        );
      }
      default:
        return send(404, page('Not found', ''));
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((err: Error) => {
      response.writeHead(502, { 'content-type': 'text/html; charset=utf-8' });
      response.end(page('Mandate refused', `<p>${escape(`${err.name}: ${err.message}`)}</p>`));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  return { url, returnUrl, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}
