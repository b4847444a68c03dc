/**
 * An example agent, written as any agent for AgentCore Identity is: the official AWS SDK client and
 * the `bedrock-agentcore` SDK, pointed at Mandate by the environment alone (see agent.env). It acts
 * for `demo-user` with the `demo-idp` credential provider that `npm run demo` registers.
 *
 * Run: npm run demo:agent
 */
import {
  BedrockAgentCoreClient,
  GetWorkloadAccessTokenForUserIdCommand,
} from '@aws-sdk/client-bedrock-agentcore';
import { withAccessToken } from 'bedrock-agentcore/identity';

const workloadName = 'demo-agent';
const userId = process.argv[2] ?? 'demo-user';
const idp = process.env.DEMO_IDP_URL ?? 'http://127.0.0.1:9400';
const returnUrl = process.env.DEMO_RETURN_URL ?? 'http://127.0.0.1:9401/return';

async function main() {
  // Region, endpoint (AWS_ENDPOINT_URL_BEDROCK_AGENTCORE) and credentials come from the environment.
  const agentcore = new BedrockAgentCoreClient({});
  const { workloadAccessToken } = await agentcore.send(
    new GetWorkloadAccessTokenForUserIdCommand({ workloadName, userId }),
  );

  let consentAsked = false;
  // The tool: reads the user's profile at the IdP with whatever token Mandate hands it.
  const readProfile = withAccessToken({
    workloadIdentityToken: workloadAccessToken,
    providerName: 'demo-idp',
    scopes: ['openid', 'profile'],
    authFlow: 'USER_FEDERATION',
    callbackUrl: returnUrl,
    onAuthUrl: (url: string) => {
      consentAsked = true;
      process.stdout.write(
        `No token for ${userId} yet. Open this URL to consent, then wait here:\n\n  ${url}\n\n`,
      );
    },
  })(async (accessToken: string) => {
    const discovery = (await (await fetch(`${idp}/.well-known/openid-configuration`)).json()) as {
      userinfo_endpoint: string;
    };
    const response = await fetch(discovery.userinfo_endpoint, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    if (!response.ok) throw new Error(`the IdP refused the token: HTTP ${response.status}`);
    return (await response.json()) as { sub: string; name?: string };
  });

  const profile = await readProfile();
  process.stdout.write(
    `${consentAsked ? 'Consent completed; token received.' : 'Token from the vault (no consent asked).'}\n` +
      `The IdP says the token belongs to "${profile.sub}", acting for ${userId} through ${workloadName}.\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`agent failed: ${(err as Error).name}: ${(err as Error).message}\n`);
  process.exit(1);
});
