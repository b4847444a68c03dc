import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ConnectionsRepository } from '../../libs/vault/connections.repository';
import { connectionId } from '../../libs/consent/user-key';
import { askToken, consentAs, registerAgentAndIdp } from '../helpers/consent-flow';
import type { TestIdp } from '../helpers/oidc-idp';
import { startTestStack, type TestStack, testStackEnv } from '../helpers/stack';

/** The unkeyed hash earlier versions stored: anyone can compute it from a user id. */
const plainHash = (userId: string) =>
  `u1.${createHash('sha256')
    .update(JSON.stringify(['userId', userId]))
    .digest('base64url')}`;

describe('user hashes are keyed, and connections stored under plain hashes move without a new consent', () => {
  let env: Record<string, string>;
  let test: TestStack;
  let idp: TestIdp;

  const repository = () => new ConnectionsRepository(test.stack.runtime.db, test.stack.runtime.envelope);
  /** Rewrites a connection as an earlier version stored it: plain user hash, id derived from it. */
  const storeAsLegacy = async (id: string, userId: string) => {
    const connections = repository();
    const stored = (await connections.read(id))!;
    const legacy = plainHash(userId);
    const legacyId = connectionId(stored.connection.workloadName, legacy, stored.connection.providerName);
    await connections.save(
      { ...stored.connection, id: legacyId, userHash: legacy },
      stored.tokens,
      new Date(),
    );
    await connections.delete(id);
    test.stack.runtime.repositories.connections.forgetCached(id);
    test.stack.runtime.repositories.connections.forgetCached(legacyId);
    return legacyId;
  };
  const userHashes = async () =>
    (await test.stack.runtime.db.selectFrom('connections').select(['id', 'user_hash']).execute()).map(
      (row) => row.user_hash,
    );

  before(async () => {
    env = await testStackEnv({ MANDATE_ALLOW_PRIVATE_NETWORK_URLS: 'true' });
    test = await startTestStack(env);
    idp = await registerAgentAndIdp(test);
  });
  after(async () => {
    await test?.destroy();
    await idp?.stop();
  });

  it('stores and audits an HMAC of the user, not the plain SHA-256', async () => {
    await consentAs(test, idp, 'alice', ['read']);
    const hashes = await userHashes();
    assert.equal(hashes.length, 1);
    assert.match(hashes[0]!, /^u2\./);
    assert.notEqual(hashes[0], plainHash('alice'));
    await test.stack.runtime.audit.flush();
    const audited = await test.stack.runtime.db
      .selectFrom('audit_events')
      .select('user_hash')
      .where('user_hash', 'is not', null)
      .execute();
    assert.ok(audited.length > 0);
    for (const row of audited) assert.equal(row.user_hash, hashes[0], 'the audit log carries the keyed hash');
  });

  it('moves legacy connections at start: the same token is served, no consent is started', async () => {
    const { wat, token, id } = await consentAs(test, idp, 'bob', ['read']);
    const legacyId = await storeAsLegacy(id, 'bob');
    await test.stop();
    test = await startTestStack(env);
    assert.equal(await repository().read(legacyId), undefined, 'the legacy row is gone');
    assert.equal((await repository().read(id))?.tokens.accessToken, token, 'moved under the keyed id');
    const answer = await askToken(test, wat, ['read']);
    assert.equal(answer.authorizationUrl, undefined, 'no new consent');
    assert.equal(answer.accessToken, token);
  });

  it('moves a legacy connection stored after start (a consent begun before the upgrade) on first read', async () => {
    const { wat, token, id } = await consentAs(test, idp, 'carol', ['read']);
    await storeAsLegacy(id, 'carol');
    const answer = await askToken(test, wat, ['read']);
    assert.equal(answer.authorizationUrl, undefined, 'no new consent');
    assert.equal(answer.accessToken, token);
    assert.equal((await repository().read(id))?.connection.userHash.startsWith('u2.'), true);
    assert.ok(!(await userHashes()).some((hash) => hash.startsWith('u1.')), 'no plain hash is left');
  });
});
