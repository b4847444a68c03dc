import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { servable, unexpired } from './token-freshness';

const NOW = Date.parse('2026-12-02T12:00:00Z');
const MAX_MARGIN = 60_000;
/** A token that lives `lifeSeconds` in total, obtained `ageSeconds` before NOW. */
const token = (lifeSeconds: number, ageSeconds: number) => ({
  obtainedAt: new Date(NOW - ageSeconds * 1000),
  expiresAt: new Date(NOW + (lifeSeconds - ageSeconds) * 1000),
});

describe('short-lived tokens are served from the vault for most of their life', () => {
  for (const life of [5, 30, 90]) {
    it(`a ${life} s token is served for three quarters of its life, never after`, () => {
      assert.equal(servable(token(life, 0), MAX_MARGIN, NOW), true, 'fresh');
      assert.equal(servable(token(life, life * 0.7), MAX_MARGIN, NOW), true, 'at 70 % of its life');
      assert.equal(servable(token(life, life * 0.8), MAX_MARGIN, NOW), false, 'at 80 % of its life');
      assert.equal(servable(token(life, life), MAX_MARGIN, NOW), false, 'at expiry');
      assert.equal(servable(token(life, life + 1), MAX_MARGIN, NOW), false, 'past expiry');
    });
  }

  it('keeps back at most the maximum margin for long-lived tokens', () => {
    assert.equal(servable(token(3600, 3600 - 61), MAX_MARGIN, NOW), true, '61 s left of an hour');
    assert.equal(servable(token(3600, 3600 - 59), MAX_MARGIN, NOW), false, '59 s left of an hour');
  });

  it('serves a token without expiry, and one of unknown age while it has more than the maximum margin', () => {
    assert.equal(servable({}, MAX_MARGIN, NOW), true);
    assert.equal(servable({ expiresAt: new Date(NOW + 61_000) }, MAX_MARGIN, NOW), true);
    assert.equal(servable({ expiresAt: new Date(NOW + 59_000) }, MAX_MARGIN, NOW), false);
  });

  it('never serves a token stored after it expired (its life is negative)', () => {
    const late = { obtainedAt: new Date(NOW), expiresAt: new Date(NOW - 1000) };
    assert.equal(servable(late, MAX_MARGIN, NOW), false);
    assert.equal(unexpired(late, NOW), false);
  });

  it('counts a token valid until its expiry when nothing is kept back', () => {
    assert.equal(unexpired(token(5, 4.9), NOW), true);
    assert.equal(unexpired(token(5, 5), NOW), false);
  });
});
