import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ManagedProcess } from './child-process';

describe('ManagedProcess', () => {
  it('names the cause when a program exits during start-up, from the end of its log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mandate-process-'));
    try {
      await assert.rejects(
        ManagedProcess.start({
          name: 'Failing server',
          command: 'sh',
          args: [
            '-c',
            'echo starting; echo "listen tcp 127.0.0.1:1: bind: address already in use" >&2; exit 1',
          ],
          logFile: join(dir, 'logs', 'server.log'),
          ready: () => Promise.resolve(false),
        }),
        (err: Error) => {
          assert.match(err.message, /^Failing server exited during start-up/);
          assert.match(err.message, /starting\nlisten tcp 127\.0\.0\.1:1: bind: address already in use$/);
          return true;
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
