import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../config/config';
import { ensureAdmin, openRuntime } from './runtime';

/** A logger whose lines the test reads. */
function capturingLogger() {
  const lines: { msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as { msg: string });
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

describe('runtime', () => {
  it('bootstraps the admin principal once, in ensureAdmin only: a worker opening the runtime makes none', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mandate-runtime-'));
    // Nothing listens there: the Temporal client and the AWS clients connect lazily.
    const config = loadConfig({
      MANDATE_DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      MANDATE_AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
    });
    const { log, lines } = capturingLogger();
    const runtime = await openRuntime(config, log);
    try {
      const admins = () => runtime.db.selectFrom('principals').select('name').execute();
      assert.equal(
        existsSync(config.auth.adminCredentialsFile),
        false,
        'the worker wrote no credentials file',
      );
      assert.deepEqual(await admins(), []);

      await ensureAdmin(runtime);
      assert.equal(existsSync(config.auth.adminCredentialsFile), true);
      assert.deepEqual(await admins(), [{ name: 'admin' }]);
      assert.equal(lines.filter((line) => line.msg === 'admin principal ready').length, 1);
    } finally {
      await runtime.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
