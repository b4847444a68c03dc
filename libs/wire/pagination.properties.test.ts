import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ValidationException } from './errors';
import { decodeNextToken, encodeNextToken, paginate } from './pagination';
import { storable } from './text';

// A fixed seed keeps runs reproducible; change it locally to explore further.
const RUNS = { numRuns: 200, seed: 20261122 };

/** Any string: lone surrogates, NUL and a leading BOM included. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('', 'agent-20', '"', '\\', '\u0000', '\ud800', '\ufeffx', '{"v":1}', '__proto__'),
);
/** Every position a listing can be at: a stored name, so text the vault can store. */
const position = anyText.filter(storable);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** Decodes, expecting the module's one refusal: a ValidationException on field nextToken. */
function refused(token: unknown): void {
  assert.throws(
    () => decodeNextToken(token as string),
    (err: unknown) => {
      assert.ok(err instanceof ValidationException, `not a ValidationException: ${String(err)}`);
      assert.equal(err.status, 400);
      assert.equal(err.reason, 'FieldValidationFailed');
      assert.equal(err.message, 'nextToken: is not a token this service issued');
      assert.deepEqual(err.fieldList, [{ name: 'nextToken', message: 'is not a token this service issued' }]);
      return true;
    },
    `accepted ${JSON.stringify(token)}`,
  );
}

/** What the module accepts: JSON `{ v: 1, after: <string> }`, base64url-encoded. */
function wellFormed(token: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null) {
      const { v, after } = parsed as { v?: unknown; after?: unknown };
      if (v === 1 && typeof after === 'string' && storable(after)) return after;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

describe('nextToken encoding properties', () => {
  it('round-trips every position', () => {
    fc.assert(
      fc.property(position, (after) => {
        assert.equal(decodeNextToken(encodeNextToken(after)), after);
      }),
      RUNS,
    );
  });

  it('refuses a token whose position is text no name can be (NUL, lone surrogates, a leading BOM)', () => {
    fc.assert(
      fc.property(
        anyText.filter((text) => !storable(text)),
        (after) => refused(encodeNextToken(after)),
      ),
      RUNS,
    );
  });

  it('issues URL-safe tokens without padding, one per position', () => {
    fc.assert(
      fc.property(position, position, (a, b) => {
        const token = encodeNextToken(a);
        assert.match(token, /^[A-Za-z0-9_-]+$/);
        assert.equal(encodeNextToken(a) === encodeNextToken(b), a === b);
      }),
      RUNS,
    );
  });

  it('answers undefined for an absent token', () => {
    assert.equal(decodeNextToken(undefined), undefined);
  });

  it('refuses random strings with the ValidationException on nextToken, never another error', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 60 }),
          fc.base64String({ maxLength: 60 }),
          fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/),
        ),
        (token) => {
          const expected = wellFormed(token);
          if (expected === undefined) refused(token);
          else assert.equal(decodeNextToken(token), expected);
        },
      ),
      RUNS,
    );
  });

  it('refuses every truncation of an issued token', () => {
    fc.assert(
      fc.property(
        position.chain((after) => {
          const token = encodeNextToken(after);
          return fc.tuple(fc.constant(token), fc.nat({ max: token.length - 1 }));
        }),
        ([token, length]) => refused(token.slice(0, length)),
      ),
      RUNS,
    );
  });

  it('refuses an issued token with one character changed, unless it still decodes to a well-formed token', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    fc.assert(
      fc.property(
        position.chain((after) => {
          const token = encodeNextToken(after);
          return fc.tuple(
            fc.constant(token),
            fc.nat({ max: token.length - 1 }),
            fc.constantFrom(...alphabet.split('')),
          );
        }),
        ([token, at, char]) => {
          const changed = token.slice(0, at) + char + token.slice(at + 1);
          const expected = wellFormed(changed);
          if (expected === undefined) refused(changed);
          else assert.equal(decodeNextToken(changed), expected);
        },
      ),
      RUNS,
    );
  });

  it('refuses forged JSON of any other shape', () => {
    const notAToken = fc
      .jsonValue()
      .filter(
        (v) =>
          typeof v !== 'object' ||
          v === null ||
          Array.isArray(v) ||
          (v as { v?: unknown }).v !== 1 ||
          typeof (v as { after?: unknown }).after !== 'string',
      );
    fc.assert(
      fc.property(notAToken, (value) => refused(b64(value))),
      RUNS,
    );
    for (const value of [
      { v: 2, after: 'agent-1' },
      { v: '1', after: 'agent-1' },
      { v: 1, after: 20 },
      { v: 1, after: null },
      { v: 1 },
      { after: 'agent-1' },
      [1, 'agent-1'],
      'agent-1',
      null,
      JSON.parse('{"__proto__":{"v":1,"after":"agent-1"}}'),
    ]) {
      refused(b64(value));
    }
  });

  it('refuses values that are not strings, as an unvalidated JSON body could pass them', () => {
    for (const value of [null, 0, 12, true, {}, { v: 1, after: 'x' }, ['a'], Symbol('t')]) {
      refused(value);
    }
  });

  it('decodes a token forged in the issued format: tokens are opaque, not authenticated', () => {
    assert.equal(decodeNextToken(b64({ v: 1, after: 'zzz' })), 'zzz');
    assert.equal(decodeNextToken(b64({ after: 'zzz', v: 1, extra: true })), 'zzz');
  });

  it('decodes the same position re-encoded as padded standard base64', () => {
    // Node's base64url decoder also reads the standard alphabet and padding, so a token re-encoded
    // that way names the same position.
    const after = 'agent>?~';
    const standard = Buffer.from(JSON.stringify({ v: 1, after }), 'utf8').toString('base64');
    assert.notEqual(standard, encodeNextToken(after));
    assert.equal(decodeNextToken(standard), after);
  });
});

describe('paginate properties', () => {
  const names = fc.uniqueArray(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 8 }), {
    maxLength: 30,
  });

  it('walks a name-ordered listing page by page, serving each item exactly once, in order', async () => {
    await fc.assert(
      fc.asyncProperty(names, fc.integer({ min: 1, max: 10 }), async (unsorted, maxResults) => {
        const sorted = [...unsorted].sort();
        const fetchPage = (limit: number, after: string | undefined) =>
          Promise.resolve(
            sorted
              .filter((name) => after === undefined || name > after)
              .slice(0, limit + 1)
              .map((name) => ({ name })),
          );
        const served: string[] = [];
        let nextToken: string | undefined;
        let pages = 0;
        do {
          const page = await paginate({ nextToken, maxResults }, 10, fetchPage);
          assert.ok(page.items.length <= maxResults);
          served.push(...page.items.map((item) => item.name));
          nextToken = page.next.nextToken;
          pages += 1;
        } while (nextToken !== undefined && pages <= sorted.length + 1);
        assert.deepEqual(served, sorted);
        assert.equal(pages, Math.max(1, Math.ceil(sorted.length / maxResults)));
      }),
      RUNS,
    );
  });

  it('passes the page size to the repository (which reads one row more) and uses the default size', async () => {
    const calls: [number, string | undefined][] = [];
    const page = await paginate({}, 3, (limit, after) => {
      calls.push([limit, after]);
      return Promise.resolve([{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }]);
    });
    assert.deepEqual(calls, [[3, undefined]]);
    assert.deepEqual(
      page.items.map((i) => i.name),
      ['a', 'b', 'c'],
    );
    assert.equal(decodeNextToken(page.next.nextToken), 'c');
  });

  it('refuses a bad nextToken before asking the repository', async () => {
    let asked = false;
    await assert.rejects(
      paginate({ nextToken: 'bm90LWEtdG9rZW4' }, 10, () => {
        asked = true;
        return Promise.resolve([]);
      }),
      (err: unknown) =>
        err instanceof ValidationException && err.message === 'nextToken: is not a token this service issued',
    );
    assert.equal(asked, false);
  });
});
