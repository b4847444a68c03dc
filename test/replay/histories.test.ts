import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import * as workflows from '../../workflows';

const HISTORIES = join(__dirname, '..', 'histories');

/**
 * Today's workflow code must replay every recorded history: a change that would break workflows in
 * flight (a new activity, timer or order) fails here instead of in production, and ships behind
 * `patched()` with the old history kept. `npm run histories:record` adds histories of new shapes.
 */
describe('recorded workflow histories replay on the current workflow code', () => {
  const files = readdirSync(HISTORIES).filter((file) => file.endsWith('.json'));

  it('holds histories of every workflow type', () => {
    const types = new Set(files.map((file) => file.replace(/-[0-9a-f]{12}\.json$/, '')));
    const workflowTypes = Object.entries(workflows)
      .filter(([, value]) => typeof value === 'function')
      .map(([name]) => name);
    for (const type of workflowTypes) assert.ok(types.has(type), `no recorded history of ${type}`);
  });

  it('replays each of them without a nondeterminism error', async () => {
    const histories = files.map((file) => ({
      workflowId: file,
      history: historyFromJSON(JSON.parse(readFileSync(join(HISTORIES, file), 'utf8'))),
    }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(
      { workflowsPath: require.resolve('../../workflows'), replayName: 'mandate-replay' },
      histories,
    )) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    assert.equal(replayed, files.length);
    assert.deepEqual(failures, []);
  });
});
