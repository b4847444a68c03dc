import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventHash } from './audit-log';

/**
 * Stored chains are verified with `eventHash` long after they were written, so its output is fixed:
 * these values were computed by the first implementation that wrote chains.
 */
describe('audit event hash', () => {
  const GENESIS = '0'.repeat(64);
  const OTHER = 'f'.repeat(64);

  it('hashes an event with every member, its detail keys in any order, as it always has', () => {
    const event = {
      seq: 41,
      at: '2026-12-04T12:00:00.123Z',
      actor: 'principal:agent-runner',
      operation: 'GetResourceOauth2Token',
      workloadName: 'agent',
      resource: 'idp',
      userHash: 'u1:abc',
      outcome: 'Success',
      detail: {
        status: 200,
        webIdentityIssuer: 'https://issuer.example',
        sessionName: 'run-1',
        b: true,
        a: 'ä"\\\n',
      },
    };
    const expected = 'b25ad862323b41cf42b13b94d9a565af82c04d5d32da1cb0308396f19049ac24';
    assert.equal(eventHash(GENESIS, event), expected);
    const reordered = { ...event, detail: Object.fromEntries(Object.entries(event.detail).reverse()) };
    assert.equal(eventHash(GENESIS, reordered), expected);
    assert.equal(eventHash(OTHER, event), '80ee222b9ebf5e7304e7fd199643c529120b7ec0ef4d70475a03eade997c327d');
  });

  it('hashes absent members and an empty detail as it always has', () => {
    const refused = {
      seq: 1,
      at: '2026-12-04T12:00:00.000Z',
      actor: 'anonymous',
      operation: 'CreateWorkloadIdentity',
      outcome: 'AccessDeniedException',
    };
    assert.equal(
      eventHash(GENESIS, refused),
      'dce89763a4f543a7e0177d04ae029b35a10124871de9f15577b657aa6d46f667',
    );
    const own = {
      seq: 2,
      at: '2026-12-04T12:00:01.000Z',
      actor: 'mandate',
      operation: 'RefreshToken',
      outcome: 'Success',
      detail: {},
    };
    assert.equal(eventHash(OTHER, own), '49b6b84507f800a0aef10d44b9a369a6fe8207559b959f4000c890d5a299ddb6');
  });

  it('changes with any member, and with the event before it', () => {
    const event = {
      seq: 7,
      at: '2026-12-04T12:00:00.000Z',
      actor: 'mandate',
      operation: 'X',
      outcome: 'Success',
    };
    const base = eventHash(GENESIS, event);
    assert.notEqual(eventHash(OTHER, event), base);
    assert.notEqual(eventHash(GENESIS, { ...event, seq: 8 }), base);
    assert.notEqual(eventHash(GENESIS, { ...event, outcome: 'Failure' }), base);
    assert.notEqual(eventHash(GENESIS, { ...event, detail: { status: 200 } }), base);
  });
});
