import { setFlagsFromString } from 'node:v8';
import type * as CedarModule from '@cedar-policy/cedar-wasm/nodejs';
import { approvalRule } from './approval-annotations';

export type Cedar = typeof CedarModule;

/**
 * Mandate's Cedar schema: who releases (a workload identity), what (a token or an API key of a
 * credential provider), and the request's context. Tags of workload identities and providers are
 * Cedar entity tags (`principal.hasTag("team") && principal.getTag("team") == "sales"`).
 */
export const CEDAR_SCHEMA = `namespace Mandate {
  entity Workload = { name: String } tags String;
  entity CredentialProvider = { name: String, vendor: String } tags String;
  type User = {
    // The keyed hash of the user (never the user id or subject), and how the user was verified.
    hash: String,
    kind: String,
    // For a user verified by a JWT (GetWorkloadAccessTokenForJWT): its groups claim; else empty.
    groups: Set<String>,
  };
  type Release = {
    // USER_FEDERATION, M2M, ON_BEHALF_OF_TOKEN_EXCHANGE, or API_KEY
    flow: String,
    scopes: Set<String>,
    resources: Set<String>,
    audiences: Set<String>,
    // The calling principal's name
    caller: String,
    // The time of the request, UTC: 0-23, and MONDAY..SUNDAY
    hourUtc: Long,
    weekday: String,
    approved: Bool,
    user?: User,
  };
  action ReleaseToken, ReleaseApiKey appliesTo {
    principal: Workload,
    resource: CredentialProvider,
    context: Release,
  };
}
`;

export const SCHEMA_NAME = 'mandate';

let loading: Promise<Cedar> | undefined;
/**
 * cedar-wasm (a 4 MB module, about 30 ms to compile), loaded on first use, with Mandate's schema
 * parsed into its cache: processes in which no policy is written or evaluated never load it.
 */
export function loadCedar(): Promise<Cedar> {
  loading ??= (async () => {
    // Node 20's V8 aborts the process ("unreachable code" in the deoptimizer) when optimised code
    // that inlined a call into cedar-wasm is deoptimised lazily during that call; seen here after
    // about 10,000 release decisions. Not inlining JS-to-Wasm calls avoids it, at no measurable cost
    // per decision. Set before any code that calls Cedar exists, let alone is optimised.
    setFlagsFromString('--no-turbo-inline-js-wasm-calls');
    const cedar = await import('@cedar-policy/cedar-wasm/nodejs');
    const answer = cedar.preparseSchema(SCHEMA_NAME, CEDAR_SCHEMA);
    if (answer.type !== 'success')
      throw new Error(`Mandate's Cedar schema does not parse: ${JSON.stringify(answer.errors)}`);
    return cedar;
  })();
  return loading;
}

export type Findings = { kind: 'parse' | 'annotation' | 'validation'; messages: string[] };

/**
 * Checks one policy: it must parse as exactly one Cedar policy with approval annotations Mandate
 * understands (approval-annotations.ts); with `strict`, it must also validate
 * against the schema without any finding (AgentCore's `FAIL_ON_ANY_FINDINGS`).
 */
export async function checkPolicy(statement: string, strict: boolean): Promise<Findings | undefined> {
  const cedar = await loadCedar();
  const parts = cedar.policySetTextToParts(statement);
  if (parts.type !== 'success') return { kind: 'parse', messages: parts.errors.map((e) => e.message) };
  if (parts.policies.length !== 1 || parts.policy_templates.length > 0) {
    return { kind: 'parse', messages: ['the statement must hold exactly one policy (no templates)'] };
  }
  // An approval annotation Mandate cannot follow would change what the policy means: always refused.
  const json = cedar.policyToJson(statement);
  const rule = json.type === 'success' ? approvalRule(json.json.annotations) : undefined;
  if (typeof rule === 'string') return { kind: 'annotation', messages: [rule] };
  if (!strict) return undefined;
  const answer = cedar.validate({
    schema: CEDAR_SCHEMA,
    policies: { staticPolicies: statement },
    validationSettings: { mode: 'strict' },
  });
  if (answer.type !== 'success') return { kind: 'validation', messages: answer.errors.map((e) => e.message) };
  const messages = [...answer.validationErrors, ...answer.validationWarnings].map((f) => f.error.message);
  return messages.length > 0 ? { kind: 'validation', messages } : undefined;
}
