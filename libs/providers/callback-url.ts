/** The path every OAuth2 credential provider's authorization server redirects to, before its callback id. */
export const CALLBACK_PATH = '/identities/oauth2/callback/';

/** Callback ids are UUIDs (made at create); anything else is refused before a lookup. */
const CALLBACK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The one rule for a provider's callback URL (the `callbackUrl` AgentCore answers, the
 * `redirect_uri` of the authorization request and of the code exchange).
 *
 * @example
 * callbackUrl('https://mandate.example.com', '4f1c…'); // 'https://mandate.example.com/identities/oauth2/callback/4f1c…'
 */
export function callbackUrl(publicUrl: string, callbackId: string): string {
  return `${publicUrl}${CALLBACK_PATH}${callbackId}`;
}

export const isCallbackId = (value: string) => CALLBACK_ID.test(value);
