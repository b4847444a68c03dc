import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenCommand,
  GetWorkloadAccessTokenForUserIdCommand,
} from '@aws-sdk/client-bedrock-agentcore';
import {
  BedrockAgentCoreControlClient,
  CreateWorkloadIdentityCommand,
  GetWorkloadIdentityCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { sql } from 'kysely';
import { AUDIT_APPEND_LOCK, type StoredAuditEvent } from '../../libs/audit/audit-log';
import { startTestIdp, type TestIdp } from '../helpers/oidc-idp';
import { createIdpProvider } from '../helpers/consent-flow';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';

describe('audit log: every operation and the service’s own token work, hash-chained and append-only', () => {
  let test: TestStack;
  let idp: TestIdp;

  const list = async (afterSequence = 0) => {
    const answer = await test.extension('ListAuditEvents', { afterSequence, maxResults: 1000 });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.events as StoredAuditEvent[];
  };
  const verify = async () => (await test.extension('VerifyAuditLog', {})).body;

  before(async () => {
    idp = await startTestIdp();
    test = await startTestStack(await testStackEnv({ MANDATE_ALLOW_PRIVATE_NETWORK_URLS: 'true' }));
  });
  after(async () => {
    await test?.destroy();
    await idp?.stop();
  });

  it('records who called which operation on what, and how it ended, refused calls included', async () => {
    const control = test.control();
    await control.send(new CreateWorkloadIdentityCommand({ name: 'audited-agent' }));
    await assert.rejects(control.send(new GetWorkloadIdentityCommand({ name: 'no-such-agent' })));
    const stranger = new BedrockAgentCoreControlClient({
      endpoint: test.stack.apiUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIASTRANGER0000000', secretAccessKey: 'not-a-real-secret' },
    });
    await assert.rejects(stranger.send(new GetWorkloadIdentityCommand({ name: 'audited-agent' })));
    const wat = (
      await test
        .data()
        .send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName: 'audited-agent', userId: 'alice' }))
    ).workloadAccessToken!;

    const events = await list();
    const find = (operation: string, outcome: string) =>
      events.find((e) => e.operation === operation && e.outcome === outcome);
    const created = find('CreateWorkloadIdentity', 'Success');
    assert.ok(created, JSON.stringify(events));
    assert.equal(created.actor, 'principal:admin');
    assert.equal(created.workloadName, 'audited-agent');
    assert.equal(find('GetWorkloadIdentity', 'ResourceNotFoundException')?.resource, 'no-such-agent');
    assert.equal(
      find('GetWorkloadIdentity', 'UnrecognizedClientException')?.actor,
      'unverified:AKIASTRANGER0000000',
    );
    const minted = find('GetWorkloadAccessTokenForUserId', 'Success');
    assert.equal(minted?.workloadName, 'audited-agent');

    const text = JSON.stringify(events);
    assert.ok(!text.includes(wat), 'no workload access token in the log');
    assert.ok(!text.includes(test.adminCredentials().secretAccessKey), 'no secret key in the log');
    assert.ok(!text.includes('alice'), 'users appear as hashes only');
  });

  it("records the service's own token work in the same chain", async () => {
    await createIdpProvider(test, idp, 'idp');
    const data = test.data();
    const wat = (await data.send(new GetWorkloadAccessTokenCommand({ workloadName: 'audited-agent' })))
      .workloadAccessToken!;
    await data.send(
      new GetResourceOauth2TokenCommand({
        workloadIdentityToken: wat,
        resourceCredentialProviderName: 'idp',
        scopes: ['read'],
        oauth2Flow: 'M2M',
      }),
    );
    await test.stack.runtime.audit.flush();
    const events = await list();
    const renewal = events.find((e) => e.operation === 'Lifecycle.Renew');
    assert.ok(renewal, 'the lifecycle recorded its grant');
    assert.equal(renewal.actor, 'mandate');
    assert.equal(renewal.resource, 'idp');
    assert.deepEqual(renewal.detail, { grant: 'client_credentials' });
    assert.ok(!JSON.stringify(events).includes(idp.clientSecret));
  });

  it('keeps one unbroken chain under concurrent calls, refuses changes, and detects a forged event', async () => {
    const control = test.control();
    await Promise.all(
      Array.from({ length: 40 }, () =>
        control.send(new GetWorkloadIdentityCommand({ name: 'audited-agent' })),
      ),
    );
    const intact = await verify();
    assert.equal(intact.intact, true, JSON.stringify(intact));
    const events = await list();
    assert.deepEqual(
      events.map((e) => e.seq),
      events.map((_e, i) => i + 1),
      'sequence numbers have no gaps',
    );

    const { db } = test.stack.runtime;
    await assert.rejects(
      sql`update audit_events set outcome = 'Success' where seq = 1`.execute(db),
      /append-only/,
    );
    await assert.rejects(sql`delete from audit_events where seq = 1`.execute(db), /append-only/);

    // A forged event appended the way Mandate appends, with a hash that is not the event's.
    const forgedSeq = await db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${AUDIT_APPEND_LOCK})`.execute(trx);
      const last = await trx
        .selectFrom('audit_events')
        .select(['seq', 'hash'])
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirstOrThrow();
      const seq = Number(last.seq) + 1;
      await trx
        .insertInto('audit_events')
        .values({
          seq,
          at: new Date(),
          actor: 'principal:admin',
          operation: 'DeleteWorkloadIdentity',
          workload_name: 'audited-agent',
          resource: null,
          user_hash: null,
          outcome: 'Success',
          detail: null,
          prev_hash: last.hash,
          hash: 'f'.repeat(64),
        })
        .execute();
      return seq;
    });
    const broken = await verify();
    assert.equal(broken.intact, false);
    assert.equal(broken.brokenAtSequence, forgedSeq);
  });
});
