import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkPolicy } from './cedar-schema';

describe("Mandate's Cedar schema", () => {
  it('accepts the README example policies under FAIL_ON_ANY_FINDINGS', async () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    const after = readme.slice(readme.indexOf('For example, only the sales team'));
    const block = /```cedar\n([\s\S]*?)```/.exec(after)?.[1];
    assert.ok(block, 'the README shows example policies');
    const statements = block
      .split(/;\s*\n/)
      .filter((part) => part.trim())
      .map((part) => `${part.trim()};`);
    assert.equal(statements.length, 2);
    for (const statement of statements)
      assert.equal(await checkPolicy(statement, true), undefined, statement);
  });

  it('finds unknown attributes, wrong types and unknown actions; parses only under IGNORE_ALL_FINDINGS', async () => {
    for (const statement of [
      'permit(principal, action, resource) when { context.department == "sales" };',
      'permit(principal, action, resource) when { context.hourUtc == "ten" };',
      'permit(principal, action == Mandate::Action::"DeleteEverything", resource);',
    ]) {
      assert.equal((await checkPolicy(statement, true))?.kind, 'validation', statement);
      assert.equal(await checkPolicy(statement, false), undefined, statement);
    }
    assert.equal((await checkPolicy('permit(principal, action', false))?.kind, 'parse');
    assert.deepEqual(
      await checkPolicy('permit(principal, action, resource); forbid(principal, action, resource);', false),
      {
        kind: 'parse',
        messages: ['the statement must hold exactly one policy (no templates)'],
      },
    );
  });

  it('refuses approval annotations Mandate cannot follow, under either mode', async () => {
    const lifted = 'forbid(principal, action, resource) unless { context.approved };';
    for (const annotations of ['@approval("user")', '@approval("group:sales")\n@approvalWindow("3600")']) {
      assert.equal(await checkPolicy(`${annotations}\n${lifted}`, true), undefined, annotations);
    }
    for (const [annotations, message] of [
      ['@approval("boss")', '@approval must be "user" or "group:<name>"'],
      [
        '@approval("user")\n@approvalWindow("forever")',
        '@approvalWindow must be a number of seconds from 0 to 604800',
      ],
      ['@approvalWindow("60")', '@approvalWindow needs an @approval annotation'],
    ] as const) {
      assert.deepEqual(await checkPolicy(`${annotations}\n${lifted}`, false), {
        kind: 'annotation',
        messages: [message],
      });
    }
  });
});
