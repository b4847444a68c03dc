import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AccessDeniedException,
  BedrockAgentCoreClient,
  GetResourceApiKeyCommand,
  GetWorkloadAccessTokenForUserIdCommand,
} from '@aws-sdk/client-bedrock-agentcore';
import {
  BedrockAgentCoreControlClient,
  CreateApiKeyCredentialProviderCommand,
  CreateWorkloadIdentityCommand,
  ListWorkloadIdentitiesCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { AssumeRoleWithWebIdentityCommand, STSClient, type Credentials } from '@aws-sdk/client-sts';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignJWT, generateKeyPair, type JWTPayload } from 'jose';
import { principalArn, workloadIdentityArn, credentialProviderArn } from '../../libs/wire/arn';
import { startTestIdp, type TestIdp } from '../helpers/oidc-idp';
import { allow } from '../helpers/principals';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

const AUDIENCE = 'mandate';
const SUBJECT = 'system:serviceaccount:agents:crm';

describe('workload identity federation: STS AssumeRoleWithWebIdentity for principals with a web identity trust', () => {
  let test: TestStack;
  let idp: TestIdp;
  let stranger: TestIdp;
  let tokenDir: string;
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (extra: JWTPayload = {}): JWTPayload => ({
    iss: idp.issuer,
    sub: SUBJECT,
    aud: AUDIENCE,
    iat: now(),
    exp: now() + 600,
    env: 'prod',
    ...extra,
  });
  const arn = (name: string) => principalArn(test.stack.config.deployment, name);
  const sts = () =>
    new STSClient({ endpoint: test.stack.apiUrl, region: test.stack.config.deployment.region });
  const assume = async (token: string, options: { role?: string; duration?: number } = {}) =>
    (
      await sts().send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: options.role ?? arn('crm-federated'),
          RoleSessionName: 'pod-1',
          WebIdentityToken: token,
          ...(options.duration ? { DurationSeconds: options.duration } : {}),
        }),
      )
    ).Credentials!;
  const dataWith = (credentials: Credentials) =>
    new BedrockAgentCoreClient({
      endpoint: test.stack.apiUrl,
      region: test.stack.config.deployment.region,
      credentials: {
        accessKeyId: credentials.AccessKeyId!,
        secretAccessKey: credentials.SecretAccessKey!,
        sessionToken: credentials.SessionToken!,
      },
    });
  const userToken = (client: BedrockAgentCoreClient, workloadName = 'fed-agent') =>
    client.send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName, userId: 'alice' }));
  const trust = () => ({
    discoveryUrl: idp.discoveryUrl,
    allowedAudiences: [AUDIENCE],
    subjects: ['system:serviceaccount:agents:*'],
    claimConditions: { env: ['prod'] },
    maxSessionDurationSeconds: 1800,
  });
  const createFederated = async (name: string) => {
    const d = test.stack.config.deployment;
    const created = await test.extension('CreatePrincipal', {
      name,
      policyDocument: allow(
        ['GetWorkloadAccessTokenForUserId', 'GetResourceApiKey'],
        [workloadIdentityArn(d, 'fed-agent'), credentialProviderArn(d, 'apikey', 'fed-key')],
      ),
      webIdentityTrust: trust(),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created;
  };

  before(async () => {
    idp = await startTestIdp();
    stranger = await startTestIdp();
    tokenDir = mkdtempSync(join(tmpdir(), 'mandate-web-identity-'));
    test = await startTestStack(await testStackEnv({ MANDATE_ALLOW_PRIVATE_NETWORK_URLS: 'true' }), {
      worker: false,
    });
    const control = test.control();
    await control.send(new CreateWorkloadIdentityCommand({ name: 'fed-agent' }));
    await control.send(new CreateWorkloadIdentityCommand({ name: 'other-agent' }));
    await control.send(new CreateApiKeyCredentialProviderCommand({ name: 'fed-key', apiKey: 'the-fed-key' }));
    await createFederated('crm-federated');
  });
  after(async () => {
    await test?.destroy();
    await idp?.stop();
    await stranger?.stop();
    rmSync(tokenDir, { recursive: true, force: true });
  });

  it('works through the standard credential chain (role ARN, token file, STS endpoint): exactly what the policy allows', async () => {
    const tokenFile = join(tokenDir, 'token');
    writeFileSync(tokenFile, await idp.sign(claims()));
    const saved = { ...process.env };
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
      delete process.env[name];
    Object.assign(process.env, {
      AWS_ROLE_ARN: arn('crm-federated'),
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_SESSION_NAME: 'crm-pod',
      AWS_ENDPOINT_URL_STS: test.stack.apiUrl,
      AWS_REGION: test.stack.config.deployment.region,
      AWS_SHARED_CREDENTIALS_FILE: join(tokenDir, 'none'),
      AWS_CONFIG_FILE: join(tokenDir, 'none'),
    });
    try {
      const region = test.stack.config.deployment.region;
      const credentials = fromNodeProviderChain();
      const resolved = await credentials();
      assert.match(resolved.accessKeyId, /^ASIA/);
      assert.ok(resolved.sessionToken);
      const expiresIn = resolved.expiration!.getTime() - Date.now();
      // No DurationSeconds asked: an hour, capped by the trust's 1,800 s.
      assert.ok(expiresIn > 1700_000 && expiresIn <= 1800_000, `${expiresIn} ms`);

      const data = new BedrockAgentCoreClient({ endpoint: test.stack.apiUrl, region, credentials });
      const wat = (await userToken(data)).workloadAccessToken!;
      const key = await data.send(
        new GetResourceApiKeyCommand({
          workloadIdentityToken: wat,
          resourceCredentialProviderName: 'fed-key',
        }),
      );
      assert.equal(key.apiKey, 'the-fed-key');
      await assert.rejects(userToken(data, 'other-agent'), AccessDeniedException);
      const control = new BedrockAgentCoreControlClient({ endpoint: test.stack.apiUrl, region, credentials });
      await assert.rejects(control.send(new ListWorkloadIdentitiesCommand({})), {
        name: 'AccessDeniedException',
      });

      // The audit log names the principal and the web identity behind the temporary credentials.
      const events = await test.extension('ListAuditEvents', { maxResults: 100 });
      const list = events.body.events as {
        actor: string;
        operation: string;
        detail?: Record<string, unknown>;
      }[];
      const signed = list.find(
        (e) => e.operation === 'GetResourceApiKey' && e.actor === 'principal:crm-federated',
      );
      assert.ok(signed, JSON.stringify(list.slice(-5)));
      assert.equal(signed.detail?.webIdentitySubject, SUBJECT);
      assert.equal(signed.detail?.webIdentityIssuer, idp.issuer);
      assert.ok(
        list.some(
          (e) => e.operation === 'AssumeRoleWithWebIdentity' && e.actor === 'principal:crm-federated',
        ),
      );
      assert.ok(!JSON.stringify(list).includes(resolved.sessionToken), 'no session token in the audit log');
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });

  it("refuses tokens the trust does not cover with STS's error codes", async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const cases: [
      string,
      () => Promise<string> | string,
      string,
      RegExp,
      { duration?: number; role?: string }?,
    ][] = [
      [
        'wrong audience',
        () => idp.sign(claims({ aud: 'someone-else' })),
        'InvalidIdentityTokenException',
        /audience/,
      ],
      [
        'wrong subject',
        () => idp.sign(claims({ sub: 'system:serviceaccount:other:crm' })),
        'AccessDenied',
        /Not authorized/,
      ],
      ['failed claim condition', () => idp.sign(claims({ env: 'dev' })), 'AccessDenied', /Not authorized/],
      [
        'wrong issuer',
        () => idp.sign(claims({ iss: 'https://elsewhere.example.com' })),
        'InvalidIdentityTokenException',
        /issuer/,
      ],
      [
        "another issuer's token",
        () => stranger.sign(claims({ iss: stranger.issuer })),
        'InvalidIdentityTokenException',
        /signature|issuer/,
      ],
      [
        'expired',
        () => idp.sign(claims({ iat: now() - 900, exp: now() - 600 })),
        'ExpiredTokenException',
        /expired/,
      ],
      [
        'alg none',
        () => `${b64({ alg: 'none' })}.${b64(claims())}.`,
        'InvalidIdentityTokenException',
        /algorithm/,
      ],
      [
        'a key not in the JWKS',
        () => new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'not-there' }).sign(privateKey),
        'InvalidIdentityTokenException',
        /signing key/,
      ],
      [
        'too long a session',
        () => idp.sign(claims()),
        'ValidationError',
        /MaxSessionDuration/,
        { duration: 3600 },
      ],
      [
        'a principal without trust',
        () => idp.sign(claims()),
        'AccessDenied',
        /Not authorized/,
        { role: arn('admin') },
      ],
      [
        'no such principal',
        () => idp.sign(claims()),
        'AccessDenied',
        /Not authorized/,
        { role: arn('nobody') },
      ],
    ];
    for (const [label, make, code, message, options] of cases) {
      const err = await assume(await make(), options).then(
        () => assert.fail(`${label}: accepted`),
        (e: Error & { Code?: string }) => e,
      );
      assert.equal(err.name, code, `${label}: ${err.name} ${err.message}`);
      assert.match(err.message, message, label);
    }
  });

  it('refuses a tampered session token, and temporary credentials once their principal is deleted or its trust removed', async () => {
    const credentials = await assume(await idp.sign(claims()));
    await userToken(dataWith(credentials));
    const token = Buffer.from(credentials.SessionToken!, 'base64');
    token[token.length - 1]! ^= 1;
    await assert.rejects(userToken(dataWith({ ...credentials, SessionToken: token.toString('base64') })), {
      name: 'UnrecognizedClientException',
    });
    // Another key id with a valid session token: the token is bound to its own key id.
    const other = await assume(await idp.sign(claims({ jti: randomUUID() })));
    await assert.rejects(userToken(dataWith({ ...credentials, SessionToken: other.SessionToken })), {
      name: 'UnrecognizedClientException',
    });

    await createFederated('short-lived-federated');
    const doomed = await assume(await idp.sign(claims()), { role: arn('short-lived-federated') });
    await userToken(dataWith(doomed));
    assert.equal((await test.extension('DeletePrincipal', { name: 'short-lived-federated' })).status, 204);
    await assert.rejects(userToken(dataWith(doomed)), { name: 'UnrecognizedClientException' });
    // Made again under the same name: the old session still does not work.
    await createFederated('short-lived-federated');
    await assert.rejects(userToken(dataWith(doomed)), { name: 'UnrecognizedClientException' });

    const fresh = await assume(await idp.sign(claims()), { role: arn('short-lived-federated') });
    await userToken(dataWith(fresh));
    const updated = await test.extension('UpdatePrincipal', {
      name: 'short-lived-federated',
      webIdentityTrust: null,
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    await assert.rejects(userToken(dataWith(fresh)), { name: 'UnrecognizedClientException' });
  });

  it('refuses a trust whose issuer does not answer, and bad trusts, with ValidationException naming the field', async () => {
    const bad: [unknown, RegExp][] = [
      [
        { ...trust(), discoveryUrl: 'http://127.0.0.1:9/.well-known/openid-configuration' },
        /webIdentityTrust\.discoveryUrl/,
      ],
      [{ ...trust(), allowedAudiences: [] }, /webIdentityTrust\.allowedAudiences/],
      [{ ...trust(), subjects: undefined }, /webIdentityTrust\.subjects/],
      [{ ...trust(), maxSessionDurationSeconds: 60 }, /webIdentityTrust\.maxSessionDurationSeconds/],
      [{ ...trust(), unknownField: true }, /webIdentityTrust/],
    ];
    for (const [webIdentityTrust, field] of bad) {
      const answer = await test.extension('CreatePrincipal', {
        name: 'bad-trust',
        policyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
        },
        webIdentityTrust,
      });
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.type, 'ValidationException');
      assert.match(JSON.stringify(answer.body), field);
    }
    const got = await test.extension('GetPrincipal', { name: 'crm-federated' });
    assert.deepEqual(got.body.webIdentityTrust, trust());
  });

  it('answers malformed STS requests with an XML Sender error, never a 5xx', async () => {
    const post = (body: string, type = 'application/x-www-form-urlencoded') =>
      fetch(`${test.stack.apiUrl}/`, { method: 'POST', headers: { 'content-type': type }, body });
    const base = `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=${encodeURIComponent(arn('crm-federated'))}`;
    const cases: [string, string, RegExp][] = [
      ['', 'InvalidAction', /Could not find operation/],
      ['Action=GetCallerIdentity&Version=2011-06-15', 'InvalidAction', /GetCallerIdentity/],
      ['Action=AssumeRoleWithWebIdentity', 'ValidationError', /roleArn/],
      [`${base}&RoleSessionName=s1`, 'ValidationError', /webIdentityToken/],
      [`${base}&RoleSessionName=a%20b&WebIdentityToken=xxxx`, 'ValidationError', /roleSessionName/],
      [`${base}&RoleSessionName=s1&WebIdentityToken=not-a-jwt`, 'InvalidIdentityToken', /well-formed/],
      [
        `${base}&RoleSessionName=s1&WebIdentityToken=${'x'.repeat(30_000)}`,
        'ValidationError',
        /webIdentityToken/,
      ],
      [
        `${base}&RoleSessionName=s1&WebIdentityToken=abcd&DurationSeconds=12x`,
        'ValidationError',
        /durationSeconds/,
      ],
      [
        `${base}&RoleSessionName=s1&WebIdentityToken=abcd&Policy=%7B%7D`,
        'ValidationError',
        /Policy is not supported/,
      ],
      ['%%%&&&==&Action=%00', 'InvalidAction', /Could not find/],
    ];
    for (const [body, code, message] of cases) {
      const response = await post(body);
      const text = await response.text();
      assert.ok(
        response.status >= 400 && response.status < 500,
        `${body.slice(0, 60)}: ${response.status} ${text}`,
      );
      assert.match(response.headers.get('content-type') ?? '', /xml/);
      assert.match(text, new RegExp(`<Type>Sender</Type><Code>${code}</Code>`), body.slice(0, 60));
      assert.match(text, message, body.slice(0, 60));
    }
  });
});
