import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationException } from '../../../../libs/wire/errors';
import { parseJsonBody } from './json-body';

const parse = (text: string) => parseJsonBody(Buffer.from(text, 'utf8'));

/** The field a refused body names. */
function refusedField(text: string): string | undefined {
  try {
    parse(text);
  } catch (err) {
    assert.ok(err instanceof ValidationException);
    return err.fieldList?.[0]?.name;
  }
  assert.fail(`${text} was accepted`);
}

describe('parseJsonBody', () => {
  it('parses what SDKs send, escapes of storable text included', () => {
    assert.deepEqual(parse('{"name":"crm-agent","scopes":["read","wr\\"ite"],"n":1}'), {
      name: 'crm-agent',
      scopes: ['read', 'wr"ite'],
      n: 1,
    });
    assert.deepEqual(
      parse('{"name":"caf\\u00e9 \uFEFF"}'),
      { name: 'café \uFEFF' },
      'a BOM inside a value is kept',
    );
    assert.deepEqual(parse(''), {});
  });

  it('refuses escaped NUL, lone surrogates and a leading BOM wherever they are, naming the field', () => {
    assert.equal(refusedField('{"name":"a\\u0000b"}'), 'name');
    assert.equal(refusedField('{"tags":{"env":"x\\ud800"}}'), 'tags.env');
    assert.equal(refusedField('{"scopes":["read","\\uFEFFwrite"]}'), 'scopes.1');
    assert.equal(refusedField('{"scopes":["read","\uFEFFwrite"]}'), 'scopes.1', 'a BOM sent as itself');
    assert.equal(refusedField('{"tags":{"k\\u0000":"v"}}'), 'tags');
  });

  it('answers malformed JSON as CannotParse', () => {
    assert.throws(
      () => parse('{"name":'),
      (err: unknown) => err instanceof ValidationException && err.reason === 'CannotParse',
    );
  });
});
