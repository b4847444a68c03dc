import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AccessDeniedException,
  ConflictException,
  CreateWorkloadIdentityCommand,
  DeleteWorkloadIdentityCommand,
  GetWorkloadIdentityCommand,
  ListTagsForResourceCommand,
  ListWorkloadIdentitiesCommand,
  TagResourceCommand,
  UntagResourceCommand,
  ResourceNotFoundException,
  UpdateWorkloadIdentityCommand,
  ValidationException,
  type BedrockAgentCoreControlClient,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { startPostgres, type TestPostgres } from '../helpers/postgres';
import { signedFetch } from '../helpers/signed-fetch';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';
import { rejects } from '../helpers/assert';
import { allow, createPrincipal, workloadArnPattern } from '../helpers/principals';

const ARN_PREFIX =
  'arn:aws:bedrock-agentcore:us-east-1:000000000000:workload-identity-directory/default/workload-identity/';

for (const engine of ['pglite', 'postgres'] as const) {
  describe(`workload identities over the AgentCore wire protocol (${engine})`, () => {
    let postgres: TestPostgres | undefined;
    let test: TestStack;
    let client: BedrockAgentCoreControlClient;

    before(async () => {
      postgres = engine === 'postgres' ? await startPostgres() : undefined;
      test = await startTestStack(await testStackEnv(postgres ? { DATABASE_URL: postgres.url } : {}));
      client = test.control();
    });
    after(async () => {
      await test?.destroy();
      await postgres?.stop();
    });

    it('creates, reads, updates and deletes an identity with the AWS SDK', async () => {
      const created = await client.send(
        new CreateWorkloadIdentityCommand({
          name: 'crm-agent',
          allowedResourceOauth2ReturnUrls: ['https://app.example.com/callback'],
          tags: { team: 'sales' },
        }),
      );
      assert.equal(created.$metadata.httpStatusCode, 201);
      assert.equal(created.workloadIdentityArn, `${ARN_PREFIX}crm-agent`);
      assert.deepEqual(created.allowedResourceOauth2ReturnUrls, ['https://app.example.com/callback']);

      const fetched = await client.send(new GetWorkloadIdentityCommand({ name: 'crm-agent' }));
      assert.ok(fetched.createdTime instanceof Date);
      assert.ok(Math.abs(fetched.createdTime.getTime() - Date.now()) < 60_000);
      assert.equal(fetched.lastUpdatedTime?.getTime(), fetched.createdTime.getTime());

      const updated = await client.send(
        new UpdateWorkloadIdentityCommand({
          name: 'crm-agent',
          allowedResourceOauth2ReturnUrls: ['https://app.example.com/v2', 'http://localhost:3000/cb'],
        }),
      );
      assert.deepEqual(updated.allowedResourceOauth2ReturnUrls, [
        'https://app.example.com/v2',
        'http://localhost:3000/cb',
      ]);
      assert.ok(updated.lastUpdatedTime! > fetched.lastUpdatedTime);
      assert.equal(updated.createdTime?.getTime(), fetched.createdTime.getTime());

      const untouched = await client.send(new UpdateWorkloadIdentityCommand({ name: 'crm-agent' }));
      assert.deepEqual(untouched.allowedResourceOauth2ReturnUrls, updated.allowedResourceOauth2ReturnUrls);

      const deleted = await client.send(new DeleteWorkloadIdentityCommand({ name: 'crm-agent' }));
      assert.equal(deleted.$metadata.httpStatusCode, 204);
      await rejects(
        client.send(new GetWorkloadIdentityCommand({ name: 'crm-agent' })),
        ResourceNotFoundException,
      );
      await rejects(
        client.send(new DeleteWorkloadIdentityCommand({ name: 'crm-agent' })),
        ResourceNotFoundException,
      );
      await rejects(
        client.send(new UpdateWorkloadIdentityCommand({ name: 'crm-agent' })),
        ResourceNotFoundException,
      );
    });

    it('refuses a duplicate name with ConflictException and keeps the first', async () => {
      await client.send(
        new CreateWorkloadIdentityCommand({
          name: 'dup-agent',
          allowedResourceOauth2ReturnUrls: ['https://a.example/cb'],
        }),
      );
      const err = await rejects(
        client.send(new CreateWorkloadIdentityCommand({ name: 'dup-agent' })),
        ConflictException,
      );
      assert.equal(err.$metadata.httpStatusCode, 409);
      assert.match(err.message, /dup-agent already exists/);
      const kept = await client.send(new GetWorkloadIdentityCommand({ name: 'dup-agent' }));
      assert.deepEqual(kept.allowedResourceOauth2ReturnUrls, ['https://a.example/cb']);
    });

    it('answers bad fields with ValidationException naming each field', async () => {
      const cases: { input: Record<string, unknown>; field: string; message: RegExp }[] = [
        { input: { name: 'ab' }, field: 'name', message: /at least 3/ },
        { input: { name: 'x'.repeat(256) }, field: 'name', message: /at most 255/ },
        { input: { name: 'has space' }, field: 'name', message: /\[A-Za-z0-9_.-\]\+/ },
        { input: {}, field: 'name', message: /required/ },
        {
          input: { name: 'ok-name', allowedResourceOauth2ReturnUrls: ['not a url'] },
          field: 'allowedResourceOauth2ReturnUrls.0',
          message: /URL/,
        },
        {
          input: {
            name: 'ok-name',
            allowedResourceOauth2ReturnUrls: [`https://a.example/${'p'.repeat(2048)}`],
          },
          field: 'allowedResourceOauth2ReturnUrls.0',
          message: /2048/,
        },
        { input: { name: 'ok-name', tags: { 'bad#key': 'v' } }, field: 'tags.bad#key', message: /tag keys/ },
        {
          input: {
            name: 'ok-name',
            tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])),
          },
          field: 'tags',
          message: /at most 50/,
        },
      ];
      for (const { input, field, message } of cases) {
        const err = await rejects(
          client.send(new CreateWorkloadIdentityCommand(input as never)),
          ValidationException,
        );
        assert.equal(err.$metadata.httpStatusCode, 400);
        assert.equal(err.reason, 'FieldValidationFailed');
        const entry = err.fieldList?.find((f) => f.name === field);
        assert.ok(entry, `fieldList ${JSON.stringify(err.fieldList)} should name ${field}`);
        assert.match(entry.message ?? '', message);
      }
      await rejects(
        client.send(new GetWorkloadIdentityCommand({ name: 'ok-name' })),
        ResourceNotFoundException,
      );
    });

    it('pages through identities with nextToken and maxResults', async () => {
      const names = Array.from({ length: 23 }, (_, i) => `page-agent-${String(i).padStart(2, '0')}`);
      for (const name of names) await client.send(new CreateWorkloadIdentityCommand({ name }));
      const seen: string[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const page = await client.send(new ListWorkloadIdentitiesCommand({ maxResults: 10, nextToken }));
        assert.ok(page.workloadIdentities!.length <= 10);
        seen.push(...page.workloadIdentities!.map((w) => w.name!));
        for (const w of page.workloadIdentities!)
          assert.equal(w.workloadIdentityArn, `${ARN_PREFIX}${w.name}`);
        nextToken = page.nextToken;
        pages += 1;
      } while (nextToken);
      const listed = seen.filter((n) => n.startsWith('page-agent-'));
      assert.deepEqual(listed, names);
      assert.equal(new Set(seen).size, seen.length);
      assert.ok(pages >= 3);

      const tooMany = await rejects(
        client.send(new ListWorkloadIdentitiesCommand({ maxResults: 21 })),
        ValidationException,
      );
      assert.equal(tooMany.fieldList?.[0]?.name, 'maxResults');
      const forged = await rejects(
        client.send(new ListWorkloadIdentitiesCommand({ nextToken: 'forged' })),
        ValidationException,
      );
      assert.equal(forged.fieldList?.[0]?.name, 'nextToken');
    });

    it('tags an identity by ARN with TagResource, UntagResource and ListTagsForResource', async () => {
      const { workloadIdentityArn: arn } = await client.send(
        new CreateWorkloadIdentityCommand({ name: 'tagged-agent', tags: { team: 'sales', env: 'dev' } }),
      );
      const listed = await client.send(new ListTagsForResourceCommand({ resourceArn: arn }));
      assert.deepEqual(listed.tags, { team: 'sales', env: 'dev' });

      await client.send(new TagResourceCommand({ resourceArn: arn, tags: { env: 'prod', owner: 'crm' } }));
      await client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['team', 'absent'] }));
      const after = await client.send(new ListTagsForResourceCommand({ resourceArn: arn }));
      assert.deepEqual(after.tags, { env: 'prod', owner: 'crm' });

      const tooMany = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`extra${i}`, 'v']));
      await rejects(
        client.send(new TagResourceCommand({ resourceArn: arn, tags: tooMany })),
        ValidationException,
      );
      const unknown = `${ARN_PREFIX}no-such-agent`;
      await rejects(
        client.send(new ListTagsForResourceCommand({ resourceArn: unknown })),
        ResourceNotFoundException,
      );
      await rejects(
        client.send(new TagResourceCommand({ resourceArn: unknown, tags: { a: 'b' } })),
        ResourceNotFoundException,
      );
    });

    it('refuses unsigned, badly signed, stale and unknown-key requests with 403 before any handler', async () => {
      const admin = test.adminCredentials();
      const body = JSON.stringify({ name: 'auth-probe' });

      const unsigned = await fetch(`${test.stack.apiUrl}/identities/CreateWorkloadIdentity`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      assert.equal(unsigned.status, 403);
      assert.equal(unsigned.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');

      const wrongSecret = test.control({
        accessKeyId: admin.accessKeyId,
        secretAccessKey: 'not-the-secret-at-all',
      });
      const badSig = await rejects(wrongSecret.send(new ListWorkloadIdentitiesCommand({})), Error);
      assert.equal(badSig.name, 'InvalidSignatureException');
      assert.equal((badSig as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, 403);

      const unknown = test.control({
        accessKeyId: 'MDAKUNKNOWN000000000',
        secretAccessKey: 'whatever-secret',
      });
      const unknownErr = await rejects(unknown.send(new ListWorkloadIdentitiesCommand({})), Error);
      assert.equal(unknownErr.name, 'UnrecognizedClientException');

      const stale = await signedFetch({
        url: test.stack.apiUrl,
        path: '/identities/CreateWorkloadIdentity',
        body,
        credentials: admin,
        signingDate: new Date(Date.now() - 10 * 60_000),
      });
      assert.equal(stale.status, 403);
      assert.equal(stale.headers.get('x-amzn-errortype'), 'InvalidSignatureException');
      assert.match(((await stale.json()) as { message: string }).message, /Signature expired/);

      const tampered = await signedFetch({
        url: test.stack.apiUrl,
        path: '/identities/CreateWorkloadIdentity',
        body,
        credentials: admin,
        afterSigning: (request) => {
          request.body = JSON.stringify({ name: 'auth-probe-tampered' });
        },
      });
      assert.equal(tampered.status, 403);
      assert.equal(tampered.headers.get('x-amzn-errortype'), 'InvalidSignatureException');

      const wrongService = await signedFetch({
        url: test.stack.apiUrl,
        path: '/identities/CreateWorkloadIdentity',
        body,
        credentials: admin,
        service: 's3',
      });
      assert.equal(wrongService.status, 403);

      // None of the refused requests reached the handler.
      for (const name of ['auth-probe', 'auth-probe-tampered']) {
        await rejects(client.send(new GetWorkloadIdentityCommand({ name })), ResourceNotFoundException);
      }
    });

    it('answers malformed JSON and unknown operations in the AWS error shape, never 500', async () => {
      const admin = test.adminCredentials();
      const malformed = await signedFetch({
        url: test.stack.apiUrl,
        path: '/identities/CreateWorkloadIdentity',
        body: '{"name": "broken',
        credentials: admin,
      });
      assert.equal(malformed.status, 400);
      assert.equal(malformed.headers.get('x-amzn-errortype'), 'ValidationException');
      assert.equal(((await malformed.json()) as { reason: string }).reason, 'CannotParse');

      const unknownOperation = await signedFetch({
        url: test.stack.apiUrl,
        path: '/identities/NoSuchOperation',
        body: '{}',
        credentials: admin,
      });
      assert.equal(unknownOperation.status, 404);
      assert.equal(unknownOperation.headers.get('x-amzn-errortype'), 'UnknownOperationException');

      const wrongTypes = await signedFetch({
        url: test.stack.apiUrl,
        path: '/identities/ListWorkloadIdentities',
        body: JSON.stringify({ maxResults: 'ten' }),
        credentials: admin,
      });
      assert.equal(wrongTypes.status, 400);
      assert.equal(wrongTypes.headers.get('x-amzn-errortype'), 'ValidationException');
    });

    it('applies a principal policy: operations and workloads it does not grant are AccessDeniedException', async () => {
      await client.send(new CreateWorkloadIdentityCommand({ name: 'policy-a' }));
      await client.send(new CreateWorkloadIdentityCommand({ name: 'policy-b' }));
      const reader = await createPrincipal(
        test,
        'reader',
        allow(['GetWorkloadIdentity'], [workloadArnPattern('policy-a')]),
      );
      const limited = test.control(reader);
      const allowed = await limited.send(new GetWorkloadIdentityCommand({ name: 'policy-a' }));
      assert.equal(allowed.name, 'policy-a');
      const otherWorkload = await rejects(
        limited.send(new GetWorkloadIdentityCommand({ name: 'policy-b' })),
        AccessDeniedException,
      );
      assert.match(otherWorkload.message, /policy-b/);
      await rejects(
        limited.send(new CreateWorkloadIdentityCommand({ name: 'policy-c' })),
        AccessDeniedException,
      );
      await rejects(limited.send(new ListWorkloadIdentitiesCommand({})), AccessDeniedException);
      await rejects(
        client.send(new GetWorkloadIdentityCommand({ name: 'policy-c' })),
        ResourceNotFoundException,
      );
    });
  });
}
