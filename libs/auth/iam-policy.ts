/**
 * Policies in the IAM grammar, compiled once and evaluated as IAM evaluates them: default deny, an
 * explicit Deny wins over any Allow, and a request touching several resources needs an Allow for
 * each. Supported: `Version`, `Statement` (one or a list) with `Sid`, `Effect`, `Action`/`NotAction`,
 * `Resource`/`NotResource` (with `*` and `?` wildcards), and `Condition` with the string operators
 * `StringEquals`, `StringNotEquals`, `StringLike`, `StringNotLike` (optionally `ForAllValues:` or
 * `ForAnyValue:`). Resource policies add `Principal` (`*`, or `{ "AWS": ... }` with principal ARNs,
 * the deployment's account id or its `:root` ARN for every principal of the deployment). Anything
 * else is refused at write time with the statement and the problem.
 *
 * @example
 * const policy = compilePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'bedrock-agentcore:GetResourceApiKey', Resource: '*' }] });
 * evaluate([policy], { action: 'bedrock-agentcore:GetResourceApiKey', resources: ['arn:…'], context: {} }); // { decision: 'Allow' }
 */

export const ACTION_PREFIX = 'bedrock-agentcore:';
const VERSIONS = ['2012-10-17', '2008-10-17'];
/** IAM's limit for a managed policy, in characters without white space. */
export const MAX_POLICY_CHARACTERS = 6144;

const OPERATORS = ['StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike'] as const;
type Operator = (typeof OPERATORS)[number];
type SetQualifier = 'ForAllValues' | 'ForAnyValue' | undefined;

/** A problem in a policy document: which statement, and what is wrong with it. */
export class PolicyDocumentError extends Error {
  constructor(
    readonly statement: string,
    readonly problem: string,
  ) {
    super(`${statement}: ${problem}`);
    this.name = 'PolicyDocumentError';
  }
}

/** The request context condition keys are read from: a string, or a list for multivalued keys. */
export type PolicyContext = Record<string, string | readonly string[] | undefined>;

export interface AuthorizationRequest {
  /** The calling principal's ARN, which resource policies' `Principal` elements are matched against. */
  principal?: string;
  /** `bedrock-agentcore:<Operation>` */
  action: string;
  /** Every resource the call touches; `*` for operations without resource-level permissions. */
  resources: readonly string[];
  context: PolicyContext;
}

export type Decision =
  | { decision: 'Allow' }
  | { decision: 'Deny'; statement: string; resource: string }
  | { decision: 'ImplicitDeny'; resource: string };

interface CompiledCondition {
  operator: Operator;
  qualifier: SetQualifier;
  key: string;
  values: readonly string[];
  patterns?: readonly RegExp[];
}

interface CompiledStatement {
  label: string;
  effect: 'Allow' | 'Deny';
  actions: readonly RegExp[];
  notAction: boolean;
  resources: readonly RegExp[];
  notResource: boolean;
  conditions: readonly CompiledCondition[];
  /** Resource policies only: whom the statement is about (`*`: anyone). */
  principals?: readonly string[];
}

export interface CompiledPolicy {
  statements: readonly CompiledStatement[];
}

/** `*` any run of characters (line breaks too), `?` any one character; everything else literal. */
export function wildcard(pattern: string, flags = ''): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, `su${flags}`);
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

function strings(value: unknown, what: string, label: string): string[] {
  const list = asList(value);
  if (list.length === 0 || !list.every((item) => typeof item === 'string' && item.length > 0))
    throw new PolicyDocumentError(label, `${what} must be a non-empty string or list of strings`);
  return list as string[];
}

function compileAction(action: string, label: string, knownActions: ReadonlySet<string>): RegExp {
  if (action === '*') return /^.*$/;
  if (!action.toLowerCase().startsWith(ACTION_PREFIX))
    throw new PolicyDocumentError(label, `action ${action} must start with ${ACTION_PREFIX}`);
  const name = action.slice(ACTION_PREFIX.length);
  if (!/[*?]/.test(name) && ![...knownActions].some((known) => known.toLowerCase() === name.toLowerCase()))
    throw new PolicyDocumentError(label, `action ${action} is not an operation Mandate serves`);
  // Action names are case-insensitive in IAM.
  return wildcard(`${ACTION_PREFIX}${name}`, 'i');
}

function compileResource(resource: string, label: string): RegExp {
  if (resource !== '*' && !/^arn:[^:]*:[^:]*:[^:]*:[^:]*:.+$/.test(resource))
    throw new PolicyDocumentError(
      label,
      `resource ${resource} is not an ARN (arn:partition:service:region:account:resource) or *`,
    );
  return wildcard(resource);
}

function compileConditions(value: unknown, label: string): CompiledCondition[] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new PolicyDocumentError(label, 'Condition must be an object of operators');
  const out: CompiledCondition[] = [];
  for (const [name, block] of Object.entries(value as Record<string, unknown>)) {
    const parts = name.split(':');
    const [first, second] = parts;
    const qualifier = (second ? first : undefined) as SetQualifier;
    const operator = (second ?? first) as Operator;
    if (
      parts.length > 2 ||
      (second && qualifier !== 'ForAllValues' && qualifier !== 'ForAnyValue') ||
      !OPERATORS.includes(operator)
    )
      throw new PolicyDocumentError(
        label,
        `condition operator ${name} is not supported (use ${OPERATORS.join(', ')}, optionally with ForAllValues: or ForAnyValue:)`,
      );
    if (
      typeof block !== 'object' ||
      block === null ||
      Array.isArray(block) ||
      Object.keys(block).length === 0
    )
      throw new PolicyDocumentError(label, `condition ${name} must map condition keys to values`);
    for (const [key, values] of Object.entries(block as Record<string, unknown>)) {
      const list = strings(values, `condition ${name} ${key}`, label);
      if (list.some((item) => item.includes('${')))
        throw new PolicyDocumentError(label, `condition ${name} ${key}: policy variables are not supported`);
      const like = operator === 'StringLike' || operator === 'StringNotLike';
      out.push({
        operator,
        qualifier,
        // Condition key names are case-insensitive in IAM.
        key: key.toLowerCase(),
        values: list,
        ...(like ? { patterns: list.map((v) => wildcard(v)) } : {}),
      });
    }
  }
  return out;
}

/** A policy document as JSON text; one nested deeper than JSON.stringify's stack reaches is refused. */
function policyText(document: unknown): string {
  try {
    return JSON.stringify(document ?? null);
  } catch {
    throw new PolicyDocumentError('policyDocument', 'is nested too deeply');
  }
}

/**
 * Checks and compiles a policy document (an object, or its JSON text).
 * @throws PolicyDocumentError naming the statement and the problem
 */
export function compilePolicy(
  document: unknown,
  knownActions: ReadonlySet<string>,
  kind: PolicyKind = { kind: 'identity' },
): CompiledPolicy {
  const text = typeof document === 'string' ? document : policyText(document);
  if (text.replace(/\s/g, '').length > MAX_POLICY_CHARACTERS)
    throw new PolicyDocumentError(
      'policyDocument',
      `must be at most ${MAX_POLICY_CHARACTERS} characters without white space`,
    );
  let parsed: unknown = document;
  if (typeof document === 'string') {
    try {
      parsed = JSON.parse(document);
    } catch {
      throw new PolicyDocumentError('policyDocument', 'is not valid JSON');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new PolicyDocumentError('policyDocument', 'must be a JSON object');
  const { Version, Statement, ...rest } = parsed as Record<string, unknown>;
  const extra = Object.keys(rest).filter((key) => key !== 'Id');
  if (extra.length > 0) throw new PolicyDocumentError('policyDocument', `unknown element ${extra[0]}`);
  if (typeof Version !== 'string' || !VERSIONS.includes(Version))
    throw new PolicyDocumentError('policyDocument', `Version must be ${VERSIONS.join(' or ')}`);
  const statements = asList(Statement);
  if (Statement === undefined || statements.length === 0)
    throw new PolicyDocumentError('policyDocument', 'Statement must hold at least one statement');
  const sids = new Set<string>();
  return {
    statements: statements.map((raw, index) => {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        throw new PolicyDocumentError(`Statement[${index}]`, 'must be an object');
      const s = raw as Record<string, unknown>;
      const label = typeof s.Sid === 'string' ? `Statement[${index}] (${s.Sid})` : `Statement[${index}]`;
      if (s.Sid !== undefined && (typeof s.Sid !== 'string' || !/^[A-Za-z0-9]*$/.test(s.Sid)))
        throw new PolicyDocumentError(label, 'Sid must hold only letters and digits');
      if (typeof s.Sid === 'string' && s.Sid !== '') {
        if (sids.has(s.Sid))
          throw new PolicyDocumentError(label, `Sid ${s.Sid} appears in more than one statement`);
        sids.add(s.Sid);
      }
      const elements = ['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'];
      if (kind.kind === 'resource') elements.push('Principal');
      const unknown = Object.keys(s).find((key) => !elements.includes(key));
      if ((unknown === 'Principal' || unknown === 'NotPrincipal') && kind.kind === 'identity')
        throw new PolicyDocumentError(
          label,
          `${unknown} belongs in resource policies, not in a principal's policy`,
        );
      if (unknown === 'NotPrincipal')
        throw new PolicyDocumentError(
          label,
          'NotPrincipal is not supported: name the principals in Principal',
        );
      if (unknown) throw new PolicyDocumentError(label, `unknown element ${unknown}`);
      if (kind.kind === 'resource' && s.Principal === undefined)
        throw new PolicyDocumentError(label, 'a resource policy statement must name its Principal');
      if (s.Effect !== 'Allow' && s.Effect !== 'Deny')
        throw new PolicyDocumentError(label, 'Effect must be Allow or Deny');
      if ((s.Action === undefined) === (s.NotAction === undefined))
        throw new PolicyDocumentError(label, 'must have exactly one of Action and NotAction');
      if ((s.Resource === undefined) === (s.NotResource === undefined))
        throw new PolicyDocumentError(label, 'must have exactly one of Resource and NotResource');
      const notAction = s.Action === undefined;
      const notResource = s.Resource === undefined;
      return {
        label,
        effect: s.Effect,
        notAction,
        actions: strings(notAction ? s.NotAction : s.Action, notAction ? 'NotAction' : 'Action', label).map(
          (a) => compileAction(a, label, knownActions),
        ),
        notResource,
        resources: strings(
          notResource ? s.NotResource : s.Resource,
          notResource ? 'NotResource' : 'Resource',
          label,
        ).map((r) => compileResource(r, label)),
        conditions: compileConditions(s.Condition, label),
        ...(kind.kind === 'resource'
          ? { principals: compilePrincipal(s.Principal, label, kind.accountId) }
          : {}),
      };
    }),
  };
}

/** Which policy a document is: a principal's own, or one attached to a resource of an account. */
export type PolicyKind = { kind: 'identity' } | { kind: 'resource'; accountId: string };

/**
 * The principal ARNs a resource policy statement names; `*` for anyone. The account (its id or its
 * `:root` ARN) stands for every principal of the deployment, as in IAM. Principal ARNs are exact:
 * IAM allows no wildcards there.
 */
function compilePrincipal(value: unknown, label: string, accountId: string): string[] {
  if (value === '*') return ['*'];
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new PolicyDocumentError(
      label,
      'Principal must be "*" or an object such as { "AWS": "<principal ARN>" }',
    );
  const { AWS, ...rest } = value as Record<string, unknown>;
  const other = Object.keys(rest)[0];
  if (other !== undefined)
    throw new PolicyDocumentError(label, `Principal type ${other} is not supported (use AWS)`);
  return strings(AWS, 'Principal AWS', label).map((entry) => {
    if (
      entry === '*' ||
      entry === accountId ||
      new RegExp(`^arn:[a-z-]+:iam::${accountId}:root$`).test(entry)
    )
      return '*';
    if (!/^arn:[a-z-]+:iam::\d{12}:role\/[A-Za-z0-9_+=,.@-]+$/.test(entry))
      throw new PolicyDocumentError(
        label,
        `Principal ${entry} is not a principal ARN (arn:aws:iam::<account>:role/<name>), the account id or *`,
      );
    return entry;
  });
}

function valueMatches(condition: CompiledCondition, value: string): boolean {
  switch (condition.operator) {
    case 'StringEquals':
    case 'StringNotEquals':
      return condition.values.includes(value);
    case 'StringLike':
    case 'StringNotLike':
      return (condition.patterns ?? []).some((pattern) => pattern.test(value));
  }
}

type RequestContext = Map<string, string | readonly string[]>;

/** IAM's rules: a negated operator holds when the key is absent; ForAllValues holds for no values. */
function conditionHolds(condition: CompiledCondition, context: RequestContext): boolean {
  const raw = context.get(condition.key);
  const negated = condition.operator === 'StringNotEquals' || condition.operator === 'StringNotLike';
  const values = raw === undefined ? [] : typeof raw === 'string' ? [raw] : raw;
  if (condition.qualifier === 'ForAllValues')
    return values.every((value) => valueMatches(condition, value) !== negated);
  if (condition.qualifier === 'ForAnyValue')
    return values.some((value) => valueMatches(condition, value) !== negated);
  if (values.length === 0) return negated;
  return negated
    ? !values.some((value) => valueMatches(condition, value))
    : values.some((value) => valueMatches(condition, value));
}

function applies(
  statement: CompiledStatement,
  action: string,
  resource: string,
  context: RequestContext,
): boolean {
  const actionMatch = statement.actions.some((pattern) => pattern.test(action));
  if (actionMatch === statement.notAction) return false;
  const resourceMatch = statement.resources.some((pattern) => pattern.test(resource));
  if (resourceMatch === statement.notResource) return false;
  return statement.conditions.every((condition) => conditionHolds(condition, context));
}

const namesPrincipal = (statement: CompiledStatement, principal: string | undefined) =>
  statement.principals === undefined ||
  statement.principals.some((entry) => entry === '*' || entry === principal);

/**
 * The statements that speak to a request on one resource: the identity's, and those of the
 * resource's policy that name the principal.
 */
function statementsFor(
  identity: readonly CompiledStatement[],
  attached: CompiledPolicy | undefined,
  principal: string | undefined,
): readonly CompiledStatement[] {
  const naming = attached?.statements.filter((s) => namesPrincipal(s, principal));
  return naming && naming.length > 0 ? [...identity, ...naming] : identity;
}

/**
 * Evaluates a request against a principal's policies and the resource policies of the resources it
 * touches, as IAM does within one account: an explicit deny in any of them decides; otherwise every
 * resource needs an allow, from the principal's policies or from its own resource policy.
 */
export function evaluate(
  policies: readonly CompiledPolicy[],
  request: AuthorizationRequest,
  resourcePolicy: (resource: string) => CompiledPolicy | undefined = () => undefined,
): Decision {
  const identity = policies.flatMap((policy) => policy.statements);
  // Keyed by lower case (IAM's key names are case-insensitive), own entries only.
  const context: RequestContext = new Map();
  for (const [key, value] of Object.entries(request.context))
    if (value !== undefined) context.set(key.toLowerCase(), value);
  const resources = request.resources.length > 0 ? request.resources : ['*'];
  // An explicit deny on any resource decides, whatever the others.
  const statements = resources.map((resource) =>
    statementsFor(identity, resourcePolicy(resource), request.principal),
  );
  for (const [index, resource] of resources.entries()) {
    const denied = statements[index]!.find(
      (s) => s.effect === 'Deny' && applies(s, request.action, resource, context),
    );
    if (denied) return { decision: 'Deny', statement: denied.label, resource };
  }
  for (const [index, resource] of resources.entries()) {
    if (
      !statements[index]!.some((s) => s.effect === 'Allow' && applies(s, request.action, resource, context))
    )
      return { decision: 'ImplicitDeny', resource };
  }
  return { decision: 'Allow' };
}

/** The policy the bootstrap admin starts with: everything. */
export const ALLOW_ALL = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};
