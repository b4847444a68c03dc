import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALLOW_ALL,
  MAX_POLICY_CHARACTERS,
  PolicyDocumentError,
  compilePolicy,
  evaluate,
  type CompiledPolicy,
  type Decision,
  type PolicyContext,
} from './iam-policy';

/*
 * Expected outcomes follow the IAM User Guide: "Policy evaluation logic" and "The difference between
 * explicit and implicit denies" (default deny, an explicit Deny trumps any Allow), "IAM JSON policy
 * elements: NotAction / NotResource / Resource / Condition / Sid", "Condition operators" (a missing
 * key makes a positive operator false and a negated one true) and "Single-valued vs. multivalued
 * context keys" (ForAllValues is true for no values, ForAnyValue false).
 */

const KNOWN = new Set([
  'GetResourceApiKey',
  'GetResourceOauth2Token',
  'GetWorkloadAccessTokenForUserId',
  'CreatePrincipal',
]);

const P = 'bedrock-agentcore:';
const GET_KEY = `${P}GetResourceApiKey`;
const GET_TOKEN = `${P}GetResourceOauth2Token`;
const CREATE_PRINCIPAL = `${P}CreatePrincipal`;

const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '444455556666';
const arn = (resource: string, region = 'us-east-1', account = ACCOUNT) =>
  `arn:aws:bedrock-agentcore:${region}:${account}:${resource}`;
const VAULT = 'token-vault/default';
const KEY_A = arn(`${VAULT}/apikeycredentialprovider/provider-a`);
const KEY_B = arn(`${VAULT}/apikeycredentialprovider/provider-b`);
const WORKLOAD = arn('workload-identity-directory/default/workload-identity/agent-1');

const ALLOW: Decision = { decision: 'Allow' };
const implicit = (resource: string): Decision => ({ decision: 'ImplicitDeny', resource });
const denied = (statement: string, resource: string): Decision => ({ decision: 'Deny', statement, resource });

type Statement = Record<string, unknown>;

const doc = (...Statement: Statement[]) => ({ Version: '2012-10-17', Statement });
const policy = (...statements: Statement[]): CompiledPolicy => compilePolicy(doc(...statements), KNOWN);
const allow = (extra: Statement = {}): Statement => ({
  Effect: 'Allow',
  Action: '*',
  Resource: '*',
  ...extra,
});

function decide(
  policies: CompiledPolicy | readonly CompiledPolicy[],
  action: string,
  resources: readonly string[] = [KEY_A],
  context: PolicyContext = {},
): Decision {
  return evaluate(Array.isArray(policies) ? policies : [policies as CompiledPolicy], {
    action,
    resources,
    context,
  });
}

/** Asserts compilePolicy refuses the document with exactly this statement and problem. */
function refused(document: unknown, statement: string, problem: string, known: ReadonlySet<string> = KNOWN) {
  assert.throws(
    () => compilePolicy(document, known),
    (err: unknown) => {
      assert.ok(err instanceof PolicyDocumentError, `expected PolicyDocumentError, got ${String(err)}`);
      assert.equal(err.statement, statement);
      assert.equal(err.problem, problem);
      assert.equal(err.message, `${statement}: ${problem}`);
      assert.equal(err.name, 'PolicyDocumentError');
      return true;
    },
  );
}

describe('compilePolicy refuses what IAM would not accept', () => {
  const DOC = 'policyDocument';

  it('refuses text that is not JSON', () => {
    refused('{"Version": "2012-10-17", ', DOC, 'is not valid JSON');
    refused('', DOC, 'is not valid JSON');
  });

  it('refuses a document nested deeper than serialising it can go, as bad input', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i += 1) deep = { a: deep };
    refused(deep, DOC, 'is nested too deeply');
  });

  it('refuses a document that is not an object', () => {
    for (const value of ['[]', '"text"', '42', 'null', [], [allow()], 42, true, null, undefined])
      refused(value, DOC, 'must be a JSON object');
  });

  it('requires Version 2012-10-17 or 2008-10-17', () => {
    const problem = 'Version must be 2012-10-17 or 2008-10-17';
    refused({ Statement: [allow()] }, DOC, problem);
    refused({ Version: '2012-10-18', Statement: [allow()] }, DOC, problem);
    refused({ Version: 20121017, Statement: [allow()] }, DOC, problem);
    assert.equal(compilePolicy({ Version: '2008-10-17', Statement: [allow()] }, KNOWN).statements.length, 1);
  });

  it('requires at least one statement', () => {
    const problem = 'Statement must hold at least one statement';
    refused({ Version: '2012-10-17' }, DOC, problem);
    refused({ Version: '2012-10-17', Statement: [] }, DOC, problem);
  });

  it('accepts Statement as a single object and an Id element', () => {
    const compiled = compilePolicy({ Version: '2012-10-17', Id: 'p1', Statement: allow() }, KNOWN);
    assert.equal(compiled.statements.length, 1);
    assert.deepEqual(decide(compiled, GET_KEY), ALLOW);
  });

  it('refuses an unknown top-level element', () => {
    refused({ Version: '2012-10-17', Statement: [allow()], Extra: 1 }, DOC, 'unknown element Extra');
    refused({ version: '2012-10-17', Statement: [allow()] }, DOC, 'unknown element version');
  });

  it('refuses a statement that is not an object, naming its index', () => {
    refused(doc(allow(), 'Allow everything' as unknown as Statement), 'Statement[1]', 'must be an object');
    refused(doc(allow(), [allow()] as unknown as Statement), 'Statement[1]', 'must be an object');
    refused({ Version: '2012-10-17', Statement: null }, 'Statement[0]', 'must be an object');
  });

  it('requires Effect Allow or Deny (case-sensitive)', () => {
    const problem = 'Effect must be Allow or Deny';
    refused(doc({ Action: '*', Resource: '*' }), 'Statement[0]', problem);
    refused(doc(allow({ Effect: 'allow' })), 'Statement[0]', problem);
    refused(doc(allow({ Effect: 'Permit' })), 'Statement[0]', problem);
  });

  it('requires exactly one of Action and NotAction', () => {
    const problem = 'must have exactly one of Action and NotAction';
    refused(doc({ Effect: 'Allow', Resource: '*' }), 'Statement[0]', problem);
    refused(doc(allow({ NotAction: GET_KEY })), 'Statement[0]', problem);
  });

  it('requires exactly one of Resource and NotResource', () => {
    const problem = 'must have exactly one of Resource and NotResource';
    refused(doc({ Effect: 'Allow', Action: '*' }), 'Statement[0]', problem);
    refused(doc(allow({ NotResource: KEY_A })), 'Statement[0]', problem);
  });

  it('refuses Principal and NotPrincipal in an identity policy', () => {
    refused(
      doc(allow({ Principal: { AWS: '*' } })),
      'Statement[0]',
      "Principal belongs in resource policies, not in a principal's policy",
    );
    refused(
      doc(allow({ NotPrincipal: '*' })),
      'Statement[0]',
      "NotPrincipal belongs in resource policies, not in a principal's policy",
    );
  });

  it('refuses an unknown statement element', () => {
    refused(doc(allow({ Conditions: {} })), 'Statement[0]', 'unknown element Conditions');
  });

  it('refuses an action of another service', () => {
    refused(
      doc(allow({ Action: 's3:GetObject' })),
      'Statement[0]',
      'action s3:GetObject must start with bedrock-agentcore:',
    );
    refused(
      doc(allow({ Action: [GET_KEY, 'GetResourceApiKey'] })),
      'Statement[0]',
      'action GetResourceApiKey must start with bedrock-agentcore:',
    );
  });

  it('refuses an unknown action without wildcards but accepts wildcards and any case', () => {
    refused(
      doc(allow({ Action: `${P}GetSecretValue` })),
      'Statement[0]',
      'action bedrock-agentcore:GetSecretValue is not an operation Mandate serves',
    );
    refused(
      doc(allow({ Action: P })),
      'Statement[0]',
      'action bedrock-agentcore: is not an operation Mandate serves',
    );
    assert.doesNotThrow(() =>
      policy(allow({ Action: [`${P}*`, `${P}Get*`, `${P}Nothing?`, 'BEDROCK-AGENTCORE:getresourceapikey'] })),
    );
  });

  it('refuses an empty or non-string Action, Resource or condition value', () => {
    refused(
      doc(allow({ Action: [] })),
      'Statement[0]',
      'Action must be a non-empty string or list of strings',
    );
    refused(
      doc(allow({ Action: undefined, NotAction: [GET_KEY, 7] })),
      'Statement[0]',
      'NotAction must be a non-empty string or list of strings',
    );
    refused(
      doc(allow({ Resource: '' })),
      'Statement[0]',
      'Resource must be a non-empty string or list of strings',
    );
    refused(
      doc(allow({ Condition: { StringEquals: { 'aws:PrincipalTag/team': [] } } })),
      'Statement[0]',
      'condition StringEquals aws:PrincipalTag/team must be a non-empty string or list of strings',
    );
  });

  it('refuses a malformed resource ARN', () => {
    const problem = (r: string) =>
      `resource ${r} is not an ARN (arn:partition:service:region:account:resource) or *`;
    for (const resource of [
      VAULT,
      'arn:aws:bedrock-agentcore:us-east-1:111122223333',
      'arn:aws:bedrock-agentcore:us-east-1:111122223333:',
      'ARN:aws:bedrock-agentcore:us-east-1:111122223333:token-vault/default',
      '**',
    ])
      refused(doc(allow({ Resource: [KEY_A, resource] })), 'Statement[0]', problem(resource));
    refused(doc(allow({ Resource: undefined, NotResource: 'vault' })), 'Statement[0]', problem('vault'));
  });

  it('refuses unsupported condition operators', () => {
    const problem = (name: string) =>
      `condition operator ${name} is not supported (use StringEquals, StringNotEquals, StringLike, StringNotLike, optionally with ForAllValues: or ForAnyValue:)`;
    for (const name of [
      'NumericEquals',
      'ForAll:StringEquals',
      'StringEqualsIgnoreCase',
      'StringEqualsIfExists',
      'Null',
      'ForAllValues:NumericEquals',
      'StringEquals:ForAllValues',
      'ForAnyValue:',
      ':StringEquals',
      'stringequals',
    ])
      refused(
        doc(allow({ Condition: { [name]: { 'aws:PrincipalTag/team': 'a' } } })),
        'Statement[0]',
        problem(name),
      );
  });

  it('refuses an operator with a trailing segment (ForAnyValue:StringEquals:Extra)', () => {
    // BUG: the name is split on ':' and only the first two parts are looked at, so the third part is
    // silently dropped and the statement compiles as ForAnyValue:StringEquals.
    const name = 'ForAnyValue:StringEquals:Extra';
    refused(
      doc(allow({ Condition: { [name]: { 'aws:PrincipalTag/team': 'a' } } })),
      'Statement[0]',
      `condition operator ${name} is not supported (use StringEquals, StringNotEquals, StringLike, StringNotLike, optionally with ForAllValues: or ForAnyValue:)`,
    );
  });

  it('refuses a Condition that is not an object and an empty condition block', () => {
    refused(doc(allow({ Condition: [] })), 'Statement[0]', 'Condition must be an object of operators');
    refused(
      doc(allow({ Condition: 'StringEquals' })),
      'Statement[0]',
      'Condition must be an object of operators',
    );
    refused(
      doc(allow({ Condition: { StringEquals: {} } })),
      'Statement[0]',
      'condition StringEquals must map condition keys to values',
    );
    refused(
      doc(allow({ Condition: { 'ForAllValues:StringLike': ['aws:TagKeys', 'a*'] } })),
      'Statement[0]',
      'condition ForAllValues:StringLike must map condition keys to values',
    );
  });

  it(`refuses a document over ${MAX_POLICY_CHARACTERS} characters without white space`, () => {
    const padded = (length: number) => {
      const base = JSON.stringify(doc(allow({ Sid: '' })));
      return doc(allow({ Sid: 'S'.repeat(length - base.length) }));
    };
    assert.equal(JSON.stringify(padded(MAX_POLICY_CHARACTERS)).length, MAX_POLICY_CHARACTERS);
    assert.doesNotThrow(() => compilePolicy(padded(MAX_POLICY_CHARACTERS), KNOWN));
    const problem = `must be at most ${MAX_POLICY_CHARACTERS} characters without white space`;
    refused(padded(MAX_POLICY_CHARACTERS + 1), DOC, problem);
    refused(JSON.stringify(padded(MAX_POLICY_CHARACTERS + 1)), DOC, problem);
    // White space does not count.
    const spacious = JSON.stringify(padded(MAX_POLICY_CHARACTERS), null, 40);
    assert.ok(spacious.length > MAX_POLICY_CHARACTERS + 100);
    assert.doesNotThrow(() => compilePolicy(spacious, KNOWN));
  });

  it('names a statement by index and Sid in errors and in Deny decisions', () => {
    refused(
      doc(allow({ Sid: 'First' }), { Sid: 'NoEffect', Action: '*', Resource: '*' }),
      'Statement[1] (NoEffect)',
      'Effect must be Allow or Deny',
    );
    refused(
      doc(allow({ Sid: 'Wrong', Action: 's3:*' })),
      'Statement[0] (Wrong)',
      'action s3:* must start with bedrock-agentcore:',
    );
    const compiled = policy(allow({ Sid: 'All' }), {
      Sid: 'NoKeys',
      Effect: 'Deny',
      Action: GET_KEY,
      Resource: '*',
    });
    assert.deepEqual(decide(compiled, GET_KEY), denied('Statement[1] (NoKeys)', KEY_A));
    assert.deepEqual(
      decide(policy(allow(), { Effect: 'Deny', Action: GET_KEY, Resource: '*' }), GET_KEY),
      denied('Statement[1]', KEY_A),
    );
  });

  it('compiles the JSON text of a document like the object', () => {
    const text = JSON.stringify(doc({ Effect: 'Allow', Action: GET_KEY, Resource: KEY_A }));
    const compiled = compilePolicy(text, KNOWN);
    assert.deepEqual(decide(compiled, GET_KEY), ALLOW);
    assert.deepEqual(decide(compiled, GET_TOKEN), implicit(KEY_A));
  });
});

describe('evaluate: Allow, implicit deny and explicit deny', () => {
  it('denies by default: no policies, or no statement that applies', () => {
    assert.deepEqual(decide([], GET_KEY), implicit(KEY_A));
    assert.deepEqual(
      decide(policy({ Effect: 'Allow', Action: GET_TOKEN, Resource: '*' }), GET_KEY),
      implicit(KEY_A),
    );
    assert.deepEqual(
      decide(policy({ Effect: 'Allow', Action: GET_KEY, Resource: KEY_B }), GET_KEY, [KEY_A]),
      implicit(KEY_A),
    );
    // A Deny alone grants nothing, and a Deny that does not apply leaves an implicit deny.
    assert.deepEqual(
      decide(policy({ Effect: 'Deny', Action: GET_TOKEN, Resource: '*' }), GET_KEY),
      implicit(KEY_A),
    );
  });

  it('allows an exactly named action, whatever its case', () => {
    const compiled = policy({ Effect: 'Allow', Action: GET_KEY, Resource: '*' });
    assert.deepEqual(decide(compiled, GET_KEY), ALLOW);
    assert.deepEqual(decide(compiled, 'bedrock-agentcore:getresourceapikey'), ALLOW);
    assert.deepEqual(decide(compiled, 'BEDROCK-AGENTCORE:GETRESOURCEAPIKEY'), ALLOW);
    assert.deepEqual(decide(compiled, GET_TOKEN), implicit(KEY_A));
    assert.deepEqual(decide(compiled, `${GET_KEY}s`), implicit(KEY_A));
    assert.deepEqual(decide(compiled, `x${GET_KEY}`), implicit(KEY_A));
    const written = policy({ Effect: 'Allow', Action: 'Bedrock-AgentCore:GETRESOURCEAPIKEY', Resource: '*' });
    assert.deepEqual(decide(written, GET_KEY), ALLOW);
  });

  it('matches * and ? in actions', () => {
    const star = policy({ Effect: 'Allow', Action: `${P}Get*`, Resource: '*' });
    assert.deepEqual(decide(star, GET_KEY), ALLOW);
    assert.deepEqual(decide(star, GET_TOKEN), ALLOW);
    assert.deepEqual(decide(star, `${P}get`), ALLOW);
    assert.deepEqual(decide(star, CREATE_PRINCIPAL), implicit(KEY_A));

    const one = policy({ Effect: 'Allow', Action: `${P}GetResourceApi?ey`, Resource: '*' });
    assert.deepEqual(decide(one, GET_KEY), ALLOW);
    assert.deepEqual(decide(one, `${P}GetResourceApiey`), implicit(KEY_A));
    assert.deepEqual(decide(one, `${P}GetResourceApiKKey`), implicit(KEY_A));

    const service = policy({ Effect: 'Allow', Action: `${P}*`, Resource: '*' });
    assert.deepEqual(decide(service, CREATE_PRINCIPAL), ALLOW);
    assert.deepEqual(decide(service, 's3:GetObject'), implicit(KEY_A));

    // A regular-expression character in a pattern is literal.
    const dot = policy({ Effect: 'Allow', Action: `${P}Get.*`, Resource: '*' });
    assert.deepEqual(decide(dot, GET_KEY), implicit(KEY_A));
  });

  it('lets an explicit Deny beat an Allow in the same policy', () => {
    const compiled = policy(allow(), { Sid: 'NoKeys', Effect: 'Deny', Action: GET_KEY, Resource: '*' });
    assert.deepEqual(decide(compiled, GET_KEY), denied('Statement[1] (NoKeys)', KEY_A));
    assert.deepEqual(decide(compiled, GET_TOKEN), ALLOW);
    // The order of statements does not matter.
    const reversed = policy({ Sid: 'NoKeys', Effect: 'Deny', Action: GET_KEY, Resource: '*' }, allow());
    assert.deepEqual(decide(reversed, GET_KEY), denied('Statement[0] (NoKeys)', KEY_A));
  });

  it('lets an explicit Deny beat an Allow in another policy, whichever comes first', () => {
    const allows = policy(allow({ Sid: 'All' }));
    const denies = policy({ Sid: 'NoKeyB', Effect: 'Deny', Action: `${P}GetResource*`, Resource: KEY_B });
    for (const policies of [
      [allows, denies],
      [denies, allows],
    ]) {
      assert.deepEqual(decide(policies, GET_KEY, [KEY_B]), denied('Statement[0] (NoKeyB)', KEY_B));
      assert.deepEqual(decide(policies, GET_KEY, [KEY_A]), ALLOW);
    }
  });

  it('needs an Allow for every resource of a request and names the first without one', () => {
    const onlyA = policy({ Effect: 'Allow', Action: GET_KEY, Resource: KEY_A });
    assert.deepEqual(decide(onlyA, GET_KEY, [KEY_A, KEY_B]), implicit(KEY_B));
    assert.deepEqual(decide(onlyA, GET_KEY, [KEY_B, KEY_A]), implicit(KEY_B));
    assert.deepEqual(decide(onlyA, GET_KEY, [KEY_A, WORKLOAD, KEY_B]), implicit(WORKLOAD));

    const both = policy(
      { Effect: 'Allow', Action: GET_KEY, Resource: KEY_A },
      { Effect: 'Allow', Action: GET_KEY, Resource: KEY_B },
    );
    assert.deepEqual(decide(both, GET_KEY, [KEY_A, KEY_B]), ALLOW);

    const denyB = policy(allow(), { Effect: 'Deny', Action: '*', Resource: KEY_B });
    assert.deepEqual(decide(denyB, GET_KEY, [KEY_A, KEY_B]), denied('Statement[1]', KEY_B));
  });

  it('treats a request without resources as one on *', () => {
    assert.deepEqual(decide(policy(allow()), CREATE_PRINCIPAL, []), ALLOW);
    const scoped = policy({ Effect: 'Allow', Action: '*', Resource: arn('*') });
    assert.deepEqual(decide(scoped, CREATE_PRINCIPAL, []), implicit('*'));
    assert.deepEqual(decide(scoped, CREATE_PRINCIPAL, ['*']), implicit('*'));
  });
});

describe('evaluate: NotAction and NotResource', () => {
  it('NotAction with Allow allows every action except the listed ones', () => {
    const compiled = policy({
      Effect: 'Allow',
      NotAction: [CREATE_PRINCIPAL, `${P}*Oauth2*`],
      Resource: '*',
    });
    assert.deepEqual(decide(compiled, GET_KEY), ALLOW);
    assert.deepEqual(decide(compiled, `${P}GetWorkloadAccessTokenForUserId`), ALLOW);
    assert.deepEqual(decide(compiled, CREATE_PRINCIPAL), implicit(KEY_A));
    assert.deepEqual(decide(compiled, 'bedrock-agentcore:createprincipal'), implicit(KEY_A));
    assert.deepEqual(decide(compiled, GET_TOKEN), implicit(KEY_A));
  });

  it('NotAction with Deny denies every action except the listed ones and grants nothing', () => {
    const denyOthers = { Sid: 'OnlyKeys', Effect: 'Deny', NotAction: GET_KEY, Resource: '*' };
    assert.deepEqual(decide(policy(denyOthers), GET_KEY), implicit(KEY_A));
    const compiled = policy(allow(), denyOthers);
    assert.deepEqual(decide(compiled, GET_KEY), ALLOW);
    assert.deepEqual(decide(compiled, CREATE_PRINCIPAL), denied('Statement[1] (OnlyKeys)', KEY_A));
  });

  it('NotAction is still scoped by Resource', () => {
    const compiled = policy({ Effect: 'Allow', NotAction: CREATE_PRINCIPAL, Resource: KEY_A });
    assert.deepEqual(decide(compiled, GET_KEY, [KEY_A]), ALLOW);
    assert.deepEqual(decide(compiled, GET_KEY, [KEY_B]), implicit(KEY_B));
  });

  it('NotResource with Deny denies every resource except the listed ones and grants nothing', () => {
    const denyOthers = {
      Sid: 'OnlyA',
      Effect: 'Deny',
      Action: '*',
      NotResource: [KEY_A, arn(`${VAULT}/oauth2*`)],
    };
    assert.deepEqual(decide(policy(denyOthers), GET_KEY, [KEY_A]), implicit(KEY_A));
    const compiled = policy(allow(), denyOthers);
    assert.deepEqual(decide(compiled, GET_KEY, [KEY_A]), ALLOW);
    assert.deepEqual(decide(compiled, GET_TOKEN, [arn(`${VAULT}/oauth2credentialprovider/google`)]), ALLOW);
    assert.deepEqual(decide(compiled, GET_KEY, [KEY_B]), denied('Statement[1] (OnlyA)', KEY_B));
    assert.deepEqual(decide(compiled, GET_KEY, [KEY_A, KEY_B]), denied('Statement[1] (OnlyA)', KEY_B));
    assert.deepEqual(decide(compiled, CREATE_PRINCIPAL, []), denied('Statement[1] (OnlyA)', '*'));
  });

  it('NotResource with Allow allows every resource except the listed ones', () => {
    const compiled = policy({ Effect: 'Allow', Action: GET_KEY, NotResource: KEY_B });
    assert.deepEqual(decide(compiled, GET_KEY, [KEY_A]), ALLOW);
    assert.deepEqual(decide(compiled, GET_KEY, [WORKLOAD]), ALLOW);
    assert.deepEqual(decide(compiled, GET_KEY, [KEY_B]), implicit(KEY_B));
    assert.deepEqual(decide(compiled, GET_TOKEN, [KEY_A]), implicit(KEY_A));
  });

  it('NotAction and NotResource together match only outside both lists', () => {
    const compiled = policy(allow(), { Effect: 'Deny', NotAction: GET_KEY, NotResource: KEY_A });
    assert.deepEqual(decide(compiled, GET_KEY, [KEY_B]), ALLOW);
    assert.deepEqual(decide(compiled, GET_TOKEN, [KEY_A]), ALLOW);
    assert.deepEqual(decide(compiled, GET_TOKEN, [KEY_B]), denied('Statement[1]', KEY_B));
  });
});

describe('evaluate: resources and wildcards', () => {
  it('matches resources exactly and case-sensitively', () => {
    const compiled = policy({ Effect: 'Allow', Action: '*', Resource: KEY_A });
    assert.deepEqual(decide(compiled, GET_KEY, [KEY_A]), ALLOW);
    assert.deepEqual(decide(compiled, GET_KEY, [KEY_A.toUpperCase()]), implicit(KEY_A.toUpperCase()));
    assert.deepEqual(decide(compiled, GET_KEY, [`${KEY_A}x`]), implicit(`${KEY_A}x`));
    assert.deepEqual(decide(compiled, GET_KEY, [`${KEY_A}/x`]), implicit(`${KEY_A}/x`));
  });

  it('lets * and ? in a resource match within the written account and region only', () => {
    const vault = policy({ Effect: 'Allow', Action: '*', Resource: arn(`${VAULT}/*`) });
    assert.deepEqual(decide(vault, GET_KEY, [KEY_A]), ALLOW);
    assert.deepEqual(decide(vault, GET_KEY, [WORKLOAD]), implicit(WORKLOAD));
    const otherAccount = arn(`${VAULT}/apikeycredentialprovider/provider-a`, 'us-east-1', OTHER_ACCOUNT);
    const otherRegion = arn(`${VAULT}/apikeycredentialprovider/provider-a`, 'eu-west-1');
    assert.deepEqual(decide(vault, GET_KEY, [otherAccount]), implicit(otherAccount));
    assert.deepEqual(decide(vault, GET_KEY, [otherRegion]), implicit(otherRegion));
    const gov = `arn:aws-us-gov:bedrock-agentcore:us-east-1:${ACCOUNT}:${VAULT}/x`;
    assert.deepEqual(decide(vault, GET_KEY, [gov]), implicit(gov));

    const anyRegion = policy({ Effect: 'Allow', Action: '*', Resource: arn(`${VAULT}/*`, '*') });
    assert.deepEqual(decide(anyRegion, GET_KEY, [otherRegion]), ALLOW);
    assert.deepEqual(decide(anyRegion, GET_KEY, [otherAccount]), implicit(otherAccount));

    const anyAccount = policy({
      Effect: 'Allow',
      Action: '*',
      Resource: arn(`${VAULT}/*`, 'us-east-1', '*'),
    });
    assert.deepEqual(decide(anyAccount, GET_KEY, [otherAccount]), ALLOW);
    assert.deepEqual(decide(anyAccount, GET_KEY, [otherRegion]), implicit(otherRegion));

    const single = policy({
      Effect: 'Allow',
      Action: '*',
      Resource: arn(`${VAULT}/apikeycredentialprovider/provider-?`),
    });
    assert.deepEqual(decide(single, GET_KEY, [KEY_A, KEY_B]), ALLOW);
    const longer = arn(`${VAULT}/apikeycredentialprovider/provider-ab`);
    assert.deepEqual(decide(single, GET_KEY, [longer]), implicit(longer));

    // A dot in the pattern is literal, not "any character".
    const dotted = policy({
      Effect: 'Allow',
      Action: '*',
      Resource: 'arn:aws:bedrock-agentcore:us.east-1:*:*',
    });
    assert.deepEqual(decide(dotted, GET_KEY, [KEY_A]), implicit(KEY_A));
  });

  it('lets * in a resource match any character, including a line break', () => {
    // BUG: wildcards compile to `.` without the `s` flag, so `*` does not match \n, \r, \u2028 or
    // \u2029. IAM documents `*` as "any combination of characters".
    const odd = arn(`${VAULT}/apikeycredentialprovider/line\nbreak`);
    assert.deepEqual(decide(policy(allow()), GET_KEY, [odd]), ALLOW);
  });
});

describe('evaluate: conditions', () => {
  const TEAM = 'aws:PrincipalTag/team';
  const TAGS = 'aws:TagKeys';
  const when = (Condition: Record<string, Record<string, unknown>>) => policy(allow({ Condition }));
  const check = (compiled: CompiledPolicy, context: PolicyContext) =>
    decide(compiled, GET_KEY, [KEY_A], context).decision;

  it('StringEquals on a single-valued key is exact and case-sensitive', () => {
    const compiled = when({ StringEquals: { [TEAM]: 'payments' } });
    assert.equal(check(compiled, { [TEAM]: 'payments' }), 'Allow');
    assert.equal(check(compiled, { [TEAM]: 'Payments' }), 'ImplicitDeny');
    assert.equal(check(compiled, { [TEAM]: 'payments2' }), 'ImplicitDeny');
    // Wildcards are literal in StringEquals.
    const literal = when({ StringEquals: { [TEAM]: 'pay*' } });
    assert.equal(check(literal, { [TEAM]: 'payments' }), 'ImplicitDeny');
    assert.equal(check(literal, { [TEAM]: 'pay*' }), 'Allow');
  });

  it('StringNotEquals on a single-valued key holds when the value differs', () => {
    const compiled = when({ StringNotEquals: { [TEAM]: 'payments' } });
    assert.equal(check(compiled, { [TEAM]: 'search' }), 'Allow');
    assert.equal(check(compiled, { [TEAM]: 'Payments' }), 'Allow');
    assert.equal(check(compiled, { [TEAM]: 'payments' }), 'ImplicitDeny');
  });

  it('StringLike matches * and ? case-sensitively; StringNotLike is its negation', () => {
    const like = when({ StringLike: { [TEAM]: 'pay-*-?' } });
    assert.equal(check(like, { [TEAM]: 'pay-eu-1' }), 'Allow');
    assert.equal(check(like, { [TEAM]: 'pay--1' }), 'Allow');
    assert.equal(check(like, { [TEAM]: 'pay-eu-12' }), 'ImplicitDeny');
    assert.equal(check(like, { [TEAM]: 'PAY-eu-1' }), 'ImplicitDeny');
    assert.equal(check(like, { [TEAM]: 'xpay-eu-1' }), 'ImplicitDeny');
    const special = when({ StringLike: { [TEAM]: 'a.b+(c)[d]{2}$^|\\*' } });
    assert.equal(check(special, { [TEAM]: 'a.b+(c)[d]{2}$^|\\tail' }), 'Allow');
    assert.equal(check(special, { [TEAM]: 'aXb+(c)[d]{2}$^|\\' }), 'ImplicitDeny');

    const notLike = when({ StringNotLike: { [TEAM]: 'pay-*' } });
    assert.equal(check(notLike, { [TEAM]: 'search' }), 'Allow');
    assert.equal(check(notLike, { [TEAM]: 'pay-eu' }), 'ImplicitDeny');
  });

  it('a missing key makes positive operators false and negated operators true', () => {
    const contexts: PolicyContext[] = [{}, { [TEAM]: undefined }, { 'aws:PrincipalTag/other': 'payments' }];
    for (const context of contexts) {
      assert.equal(check(when({ StringEquals: { [TEAM]: 'payments' } }), context), 'ImplicitDeny');
      assert.equal(check(when({ StringLike: { [TEAM]: '*' } }), context), 'ImplicitDeny');
      assert.equal(check(when({ StringNotEquals: { [TEAM]: 'payments' } }), context), 'Allow');
      assert.equal(check(when({ StringNotLike: { [TEAM]: '*' } }), context), 'Allow');
    }
    // In a Deny, a missing key therefore denies through a negated operator only.
    const deny = (operator: string) =>
      policy(allow(), {
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { [operator]: { [TEAM]: 'x' } },
      });
    assert.equal(check(deny('StringNotEquals'), {}), 'Deny');
    assert.equal(check(deny('StringEquals'), {}), 'Allow');
  });

  it('several values for one key are ORed (NOR for negated operators)', () => {
    const equals = when({ StringEquals: { [TEAM]: ['payments', 'search'] } });
    assert.equal(check(equals, { [TEAM]: 'payments' }), 'Allow');
    assert.equal(check(equals, { [TEAM]: 'search' }), 'Allow');
    assert.equal(check(equals, { [TEAM]: 'ads' }), 'ImplicitDeny');
    const like = when({ StringLike: { [TEAM]: ['pay*', '*ch'] } });
    assert.equal(check(like, { [TEAM]: 'search' }), 'Allow');
    assert.equal(check(like, { [TEAM]: 'ads' }), 'ImplicitDeny');
    const notEquals = when({ StringNotEquals: { [TEAM]: ['payments', 'search'] } });
    assert.equal(check(notEquals, { [TEAM]: 'ads' }), 'Allow');
    assert.equal(check(notEquals, { [TEAM]: 'search' }), 'ImplicitDeny');
  });

  it('several keys in one block are ANDed', () => {
    const compiled = when({ StringEquals: { [TEAM]: 'payments', 'aws:PrincipalTag/stage': 'prod' } });
    assert.equal(check(compiled, { [TEAM]: 'payments', 'aws:PrincipalTag/stage': 'prod' }), 'Allow');
    assert.equal(check(compiled, { [TEAM]: 'payments', 'aws:PrincipalTag/stage': 'dev' }), 'ImplicitDeny');
    assert.equal(check(compiled, { [TEAM]: 'payments' }), 'ImplicitDeny');
    assert.equal(check(compiled, { 'aws:PrincipalTag/stage': 'prod' }), 'ImplicitDeny');
  });

  it('several operators in one Condition are ANDed, also on the same key', () => {
    const compiled = when({ StringLike: { [TEAM]: 'pay*' }, StringNotEquals: { [TEAM]: 'payroll' } });
    assert.equal(check(compiled, { [TEAM]: 'payments' }), 'Allow');
    assert.equal(check(compiled, { [TEAM]: 'payroll' }), 'ImplicitDeny');
    assert.equal(check(compiled, { [TEAM]: 'search' }), 'ImplicitDeny');
  });

  it('ForAllValues holds when every request value matches, and for an empty or missing set', () => {
    const compiled = when({ 'ForAllValues:StringEquals': { [TAGS]: ['team', 'stage'] } });
    assert.equal(check(compiled, { [TAGS]: ['team'] }), 'Allow');
    assert.equal(check(compiled, { [TAGS]: ['stage', 'team'] }), 'Allow');
    assert.equal(check(compiled, { [TAGS]: ['team', 'owner'] }), 'ImplicitDeny');
    assert.equal(check(compiled, { [TAGS]: 'team' }), 'Allow');
    assert.equal(check(compiled, { [TAGS]: [] }), 'Allow');
    assert.equal(check(compiled, {}), 'Allow');

    const like = when({ 'ForAllValues:StringLike': { [TAGS]: 'app-*' } });
    assert.equal(check(like, { [TAGS]: ['app-a', 'app-b'] }), 'Allow');
    assert.equal(check(like, { [TAGS]: ['app-a', 'b'] }), 'ImplicitDeny');

    // ForAllValues with a negated operator: no request value may match.
    const none = when({ 'ForAllValues:StringNotLike': { [TAGS]: 'secret*' } });
    assert.equal(check(none, { [TAGS]: ['team', 'stage'] }), 'Allow');
    assert.equal(check(none, { [TAGS]: ['team', 'secret-x'] }), 'ImplicitDeny');
    assert.equal(check(none, {}), 'Allow');
  });

  it('ForAnyValue holds when some request value matches, and not for an empty or missing set', () => {
    const compiled = when({ 'ForAnyValue:StringEquals': { [TAGS]: ['team', 'stage'] } });
    assert.equal(check(compiled, { [TAGS]: ['owner', 'stage'] }), 'Allow');
    assert.equal(check(compiled, { [TAGS]: 'team' }), 'Allow');
    assert.equal(check(compiled, { [TAGS]: ['owner'] }), 'ImplicitDeny');
    assert.equal(check(compiled, { [TAGS]: [] }), 'ImplicitDeny');
    assert.equal(check(compiled, {}), 'ImplicitDeny');

    // ForAnyValue with a negated operator: some request value must not match.
    const some = when({ 'ForAnyValue:StringNotEquals': { [TAGS]: ['team', 'stage'] } });
    assert.equal(check(some, { [TAGS]: ['team', 'owner'] }), 'Allow');
    assert.equal(check(some, { [TAGS]: ['team', 'stage'] }), 'ImplicitDeny');
    assert.equal(check(some, {}), 'ImplicitDeny');
  });

  it('a condition on a Deny makes the Deny conditional', () => {
    const compiled = policy(allow(), {
      Sid: 'OutsideTeam',
      Effect: 'Deny',
      Action: GET_KEY,
      Resource: '*',
      Condition: { StringNotEquals: { [TEAM]: 'payments' } },
    });
    assert.deepEqual(decide(compiled, GET_KEY, [KEY_A], { [TEAM]: 'payments' }), ALLOW);
    assert.deepEqual(
      decide(compiled, GET_KEY, [KEY_A], { [TEAM]: 'search' }),
      denied('Statement[1] (OutsideTeam)', KEY_A),
    );
    assert.deepEqual(decide(compiled, GET_TOKEN, [KEY_A], { [TEAM]: 'search' }), ALLOW);
  });

  it('lets * in StringLike match any character, including a line break', () => {
    // BUG: `*` compiles to `.*` without the `s` flag, so a value with a line break escapes a
    // StringLike Deny. IAM documents `*` as "any combination of characters".
    const compiled = policy(allow(), {
      Sid: 'Blocked',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { StringLike: { [TEAM]: '*blocked*' } },
    });
    assert.deepEqual(
      decide(compiled, GET_KEY, [KEY_A], { [TEAM]: 'blocked' }),
      denied('Statement[1] (Blocked)', KEY_A),
    );
    assert.deepEqual(
      decide(compiled, GET_KEY, [KEY_A], { [TEAM]: 'x\nblocked' }),
      denied('Statement[1] (Blocked)', KEY_A),
    );
  });

  it('reads condition keys case-insensitively, as IAM does (positive operator)', () => {
    // BUG: the key is looked up verbatim in the context; IAM: "Context key names are not
    // case-sensitive", e.g. aws:SourceIP is the same key as AWS:SourceIp.
    const compiled = when({ StringEquals: { 'AWS:principalaccount': ACCOUNT } });
    assert.equal(check(compiled, { 'aws:PrincipalAccount': ACCOUNT }), 'Allow');
  });

  it('reads condition keys case-insensitively, as IAM does (negated operator must not open up)', () => {
    // BUG, fail-open: the differently cased key is taken as missing, so StringNotEquals holds and
    // the Allow applies although the value is exactly the excluded one.
    const compiled = when({ StringNotEquals: { 'aws:principalaccount': OTHER_ACCOUNT } });
    assert.equal(check(compiled, { 'aws:PrincipalAccount': OTHER_ACCOUNT }), 'ImplicitDeny');
  });

  it('treats a condition key named like an Object.prototype member as a missing key', () => {
    // BUG: context[key] finds inherited members of a plain object ({}.toString is a function), and
    // evaluate throws TypeError ("values.some is not a function") instead of deciding.
    const compiled = when({ StringNotEquals: { toString: 'x' } });
    assert.equal(check(compiled, {}), 'Allow');
    assert.equal(check(when({ StringEquals: { constructor: 'x' } }), {}), 'ImplicitDeny');
  });
});

describe('ALLOW_ALL', () => {
  it('compiles, even with no known actions', () => {
    assert.equal(compilePolicy(ALLOW_ALL, KNOWN).statements.length, 1);
    assert.equal(compilePolicy(ALLOW_ALL, new Set()).statements.length, 1);
    assert.equal(compilePolicy(JSON.stringify(ALLOW_ALL), new Set()).statements.length, 1);
  });

  it('allows any action on any resources in any context', () => {
    const compiled = compilePolicy(ALLOW_ALL, KNOWN);
    for (const action of [GET_KEY, GET_TOKEN, CREATE_PRINCIPAL, `${P}SomethingNew`, 's3:GetObject'])
      assert.deepEqual(
        decide(compiled, action, [KEY_A, WORKLOAD, arn('x', 'eu-west-1', OTHER_ACCOUNT)]),
        ALLOW,
      );
    assert.deepEqual(decide(compiled, GET_KEY, []), ALLOW);
    assert.deepEqual(decide(compiled, GET_KEY, ['*'], { [`aws:TagKeys`]: ['a'], team: 'x' }), ALLOW);
  });
});

describe('resource policies', () => {
  const ACCOUNT = '000000000000';
  const ME = `arn:aws:iam::${ACCOUNT}:role/agent`;
  const OTHER = `arn:aws:iam::${ACCOUNT}:role/other`;
  const resource = (statement: Record<string, unknown>) =>
    compilePolicy({ Version: '2012-10-17', Statement: [statement] }, KNOWN, {
      kind: 'resource',
      accountId: ACCOUNT,
    });
  const nothing = compilePolicy(
    { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: `${P}CreatePrincipal`, Resource: '*' }] },
    KNOWN,
  );
  const on = (attached: CompiledPolicy, principal: string, resources = [KEY_A, WORKLOAD]): Decision =>
    evaluate([nothing], { principal, action: GET_KEY, resources, context: {} }, (arn) =>
      arn === KEY_A ? attached : undefined,
    );

  it('allows the principals it names, on its own resource only', () => {
    const attached = resource({ Effect: 'Allow', Principal: { AWS: ME }, Action: GET_KEY, Resource: '*' });
    assert.deepEqual(on(attached, ME, [KEY_A]), ALLOW);
    assert.deepEqual(on(attached, OTHER, [KEY_A]), { decision: 'ImplicitDeny', resource: KEY_A });
    // The workload has no policy and the identity policy allows nothing on it.
    assert.deepEqual(on(attached, ME), { decision: 'ImplicitDeny', resource: WORKLOAD });
  });

  it('takes *, the account id and its root ARN as every principal', () => {
    for (const principal of ['*', { AWS: '*' }, { AWS: ACCOUNT }, { AWS: `arn:aws:iam::${ACCOUNT}:root` }]) {
      const attached = resource({ Effect: 'Allow', Principal: principal, Action: GET_KEY, Resource: '*' });
      assert.deepEqual(on(attached, OTHER, [KEY_A]), ALLOW, JSON.stringify(principal));
    }
  });

  it('lets a deny in it win over the identity policy', () => {
    const allowAll = compilePolicy(ALLOW_ALL, KNOWN);
    const attached = resource({ Effect: 'Deny', Principal: { AWS: [ME] }, Action: '*', Resource: '*' });
    const decision = evaluate(
      [allowAll],
      { principal: ME, action: GET_KEY, resources: [KEY_A], context: {} },
      () => attached,
    );
    assert.equal(decision.decision, 'Deny');
    assert.deepEqual(
      evaluate(
        [allowAll],
        { principal: OTHER, action: GET_KEY, resources: [KEY_A], context: {} },
        () => attached,
      ),
      ALLOW,
    );
  });

  it('refuses statements without Principal, NotPrincipal, other principal types and malformed ARNs', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ Effect: 'Allow', Action: '*', Resource: '*' }, /must name its Principal/],
      [{ Effect: 'Allow', NotPrincipal: '*', Action: '*', Resource: '*' }, /NotPrincipal is not supported/],
      [
        { Effect: 'Allow', Principal: { Federated: 'x' }, Action: '*', Resource: '*' },
        /Federated is not supported/,
      ],
      [
        { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::0:role/a*' }, Action: '*', Resource: '*' },
        /not a principal ARN/,
      ],
      [{ Effect: 'Allow', Principal: 'someone', Action: '*', Resource: '*' }, /must be "\*" or an object/],
    ];
    for (const [statement, message] of bad)
      assert.throws(
        () => resource(statement),
        (err: unknown) => err instanceof PolicyDocumentError && message.test(err.message),
      );
    // And a principal's own policy still refuses Principal.
    assert.throws(
      () =>
        compilePolicy(
          {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
          },
          KNOWN,
        ),
      /belongs in resource policies/,
    );
  });
});
