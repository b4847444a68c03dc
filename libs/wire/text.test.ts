import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storable, toStorable, unstorablePath } from './text';

describe('storable text', () => {
  it('refuses NUL, lone surrogates and a leading byte order mark; keeps everything else', () => {
    for (const bad of ['a\u0000b', 'x\ud800', '\udc00y', '\ufeffname'])
      assert.equal(storable(bad), false, JSON.stringify(bad));
    for (const good of ['crm-agent', 'é', '\u{1F600}', 'a\ufeffb', '\u202eabc', ''])
      assert.equal(storable(good), true, JSON.stringify(good));
  });

  it('makes any string storable for records of what was sent', () => {
    assert.equal(toStorable('a\u0000b'), 'a\ufffdb');
    assert.equal(toStorable('x\ud800'), 'x\ufffd');
    assert.equal(toStorable('\ufeff\u202eabc'), '\ufffd\u202eabc');
    assert.equal(storable(toStorable('\ufeff\u0000\ud800')), true);
  });

  it('names the first unstorable key or value in a body, however deep', () => {
    assert.equal(unstorablePath({ name: 'ok', tags: { env: 'a\u0000' } }), 'tags.env');
    assert.equal(unstorablePath({ scopes: ['read', 'x\ud800'] }), 'scopes.1');
    assert.equal(unstorablePath({ tags: { 'k\u0000': 'v' } }), 'tags');
    assert.equal(unstorablePath('\u0000'), '(body)');
    let deep: unknown = 'a\u0000';
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    assert.equal(unstorablePath(deep)?.split('.').length, 100_000);
    assert.equal(unstorablePath({ name: 'crm', n: 1, ok: true, none: null }), undefined);
  });
});
